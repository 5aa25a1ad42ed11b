"""Audit entries told as the action a person took, with readable dates.

The stored entry keeps the raw state before and after (moderation state, ISO timestamps); a volunteer
reads "Hid the post (clinic promotion)" and "Hidden since: 7 Dec 2026, 14:05" instead.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from moderation.models import HIDE_REASONS

HIDE_REASON_WORDS = {
    "clinic_promotion": "clinic promotion",
    "misinformation": "medical misinformation",
    "abusive": "abusive",
    "spam": "spam",
    "other": "breaks the forum rules",
}
STATE_WORDS = {
    "pending": "waiting to be checked",
    "clean": "public",
    "flagged": "public",
    "held": "held until a moderator reviews it",
}
FIELD_NAMES = {
    "visibility": "Who can see the post",
    "hidden_at": "Hidden since",
    "hidden_reason": "Reason shown to the author",
    "context_note": "Moderator note under the post",
    "revision_count": "Versions of the post",
    "thread_locked": "Thread locked",
    "role": "Role",
    "suspended_until": "Suspended until",
    "banned_at": "Banned since",
    "category": "Category",
    "slug": "Slug",
    "description": "Description",
    "position": "Position",
    "archived": "Archived",
    "read_only": "Read-only (announcements)",
    "pinned": "Pinned",
    "pinned_until": "Pinned until",
    "thread_closed": "Thread closed",
}
HIDDEN_FIELDS = frozenset({"body", "session_version", "moderation_state"})

FIXED = {
    "restore": "Restored the post: visible to everyone again",
    "auto_hide": "Hidden automatically after reports from members, until a moderator reviews it",
    "hold": "Held automatically pending review",
    "label": "Answered the least-sure questions (a training label; members see no change)",
    "edit": "Edited the post (the earlier version is kept)",
    "context_note": "Put a moderator note under the post",
    "clear_context_note": "Removed the moderator note under the post",
    "lock": "Locked the thread: no new replies",
    "unlock": "Unlocked the thread",
    "unpin": "Unpinned the thread: it sorts by its latest reply again",
    "close": "Closed the thread: no new replies, edits still allowed",
    "reopen": "Reopened the thread for replies",
    "report": "Reported the post",
    "appeal": "Appealed the decision",
    "account_deleted": "Deleted their own account",
    "erase_post_text": "Erased the text of posts deleted long ago",
    "claim_add": "Added a known false claim",
    "claim_retire": "Retired a known false claim",
    "claim_restore": "Brought back a known false claim",
    "provider_add": "Added a known clinic or broker",
    "provider_retire": "Retired a known clinic or broker",
    "provider_restore": "Brought back a known clinic or broker",
}
ON_MEMBER = {
    "warn": "Warned {name}",
    "unsuspend": "Lifted {name}'s suspension",
    "ban": "Banned {name}",
    "unban": "Lifted {name}'s ban",
    "view_email": "Looked at {name}'s email address",
}


def readable_time(value: datetime | None) -> str:
    """'7 Dec 2026, 14:05' (UTC, as stored)."""
    return f"{value.day} {value:%b %Y, %H:%M}" if value else ""


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) < 16 or value[4:5] != "-":
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def hide_reason_key(hidden_reason: str | None) -> str | None:
    """The HIDE_REASONS key a stored 'reason. note' text starts with."""
    text = hidden_reason or ""
    return next((key for key, words in HIDE_REASONS.items() if text.startswith(words)), None)


def _hide(before: dict, after: dict) -> str:
    key = hide_reason_key(after.get("hidden_reason"))
    why = f" ({HIDE_REASON_WORDS[key]})" if key else ""
    if before.get("hidden_at"):
        return f"Kept the post hidden{why}"
    if before.get("moderation_state") == "held":
        return f"Hid the held post{why}: it stays out of public view"
    return f"Hid the post{why}"


def _approve(before: dict) -> str:
    if before.get("hidden_at"):
        return "Released the post: visible to everyone again"
    if before.get("moderation_state") == "held":
        return "Released the held post: now visible to everyone"
    return "Kept the post visible: not a problem"


CATEGORY_ACTIONS = {
    "category_create": "Created the category “{name}”",
    "category_edit": "Changed the category “{name}”",
    "category_move_up": "Moved the category “{name}” up the front page",
    "category_move_down": "Moved the category “{name}” down the front page",
    "category_archive": "Archived the category “{name}”: off the front page, no new threads",
    "category_unarchive": "Brought the category “{name}” back to the front page",
}


def _pin(after: dict) -> str:
    until = _parse_time(after.get("pinned_until"))
    return "Pinned the thread to the top of its category" + (f" until {readable_time(until)}" if until else "")


def _member_name(entry: Any) -> str:
    user = getattr(entry, "target_user", None)
    return user.username if user is not None else "the member"


def describe(entry: Any) -> str:
    """What the person (or the system) did, as a sentence without its subject."""
    before, after, action = entry.before or {}, entry.after or {}, entry.action
    if action == "hide":
        return _hide(before, after)
    if action == "approve":
        return _approve(before)
    if action == "suspend":
        until = _parse_time(after.get("suspended_until"))
        return f"Suspended {_member_name(entry)}" + (f" until {readable_time(until)}" if until else "")
    if action == "set_role":
        return f"Made {_member_name(entry)} {_article(after.get('role', 'member'))}"
    if action in CATEGORY_ACTIONS:
        return CATEGORY_ACTIONS[action].format(name=after.get("category") or before.get("category") or "?")
    if action == "pin":
        return _pin(after)
    if action == "move":
        return f"Moved the thread from {before.get('category', '?')} to {after.get('category', '?')}"
    if action in ON_MEMBER:
        return ON_MEMBER[action].format(name=_member_name(entry))
    return FIXED.get(action, action.replace("_", " ").capitalize())


def _article(role: str) -> str:
    return f"an {role}" if role[:1] in "aeiou" else f"a {role}"


@dataclass(frozen=True)
class Value:
    text: str
    iso: str = ""  # set: the value is a time; templates put it in <time datetime>


@dataclass(frozen=True)
class Change:
    field: str
    before: Value
    after: Value


def _value(key: str, value: Any) -> Value:
    if value is None or value == "":
        return Value("—")
    when = _parse_time(value)
    if when is not None:
        return Value(readable_time(when), when.isoformat(timespec="seconds") + "Z")
    if isinstance(value, bool):
        return Value("yes" if value else "no")
    return Value(str(value))


def visibility(state: dict) -> str | None:
    """Who can see a post in one stored state: hidden wins over the moderation state."""
    if "moderation_state" not in state:
        return None
    if state.get("hidden_at"):
        return "hidden: only the author and moderators"
    return STATE_WORDS.get(state["moderation_state"], state["moderation_state"])


def changes(entry: Any) -> list[Change]:
    """What the action changed, field by field, in words."""
    before = {"visibility": visibility(entry.before or {}), **(entry.before or {})}
    after = {"visibility": visibility(entry.after or {}), **(entry.after or {})}
    return [Change(FIELD_NAMES.get(key, key.replace("_", " ").capitalize()), _value(key, before.get(key)),
                   _value(key, value))
            for key, value in after.items() if key not in HIDDEN_FIELDS and before.get(key) != value]
