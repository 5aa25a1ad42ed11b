"""A decision made from the queue, told back to the volunteer, and the one-click undo it offers.

Only a hide has an undo: showing the post again (a restore, recorded as such, so the labels the hide
confirmed become rejected). Keeping a post visible resolves its signals; there is nothing to put back.
"""
from __future__ import annotations

from dataclasses import dataclass

from forum.extensions import db
from forum.models import Post
from moderation.actions import latest_decision
from moderation.audit_text import HIDE_REASON_WORDS
from moderation.models import Decision

UNDO = {"hide": "restore"}


def visibility_before(post: Post) -> str:
    """'hidden', 'held' or 'public': read before a decision changes it."""
    if post.hidden_at is not None:
        return "hidden"
    return "held" if post.moderation_state == "held" else "public"


def done_message(action: str, post: Post, before: str, decision: Decision) -> str:
    where = f"post #{post.number} in “{post.thread.title}”"
    if action == "hide":
        why = f" ({HIDE_REASON_WORDS[decision.reason]})" if decision.reason in HIDE_REASON_WORDS else ""
        return f"Kept {where} hidden{why}." if before == "hidden" else f"Hid {where}{why}."
    if before == "hidden":
        return f"Showed {where} again: everyone can see it."
    if before == "held":
        return f"Published {where}: everyone can see it now."
    return f"Kept {where} visible."


@dataclass(frozen=True)
class Undo:
    post_id: int
    action: str
    seen: int
    label: str

    def as_dict(self) -> dict:
        return {"post_id": self.post_id, "action": self.action, "seen": self.seen, "label": self.label}


def undo_for(action: str, post: Post, before: str, decision: Decision) -> Undo | None:
    if action not in UNDO or before == "hidden":
        return None
    return Undo(post.id, UNDO[action], decision.id, f"Undo: show post #{post.number} again")


def still_undoable(data: dict | None) -> Undo | None:
    """The undo kept from the last decision, if nobody has decided on the post since."""
    try:
        undo = Undo(int(data["post_id"]), str(data["action"]), int(data["seen"]), str(data["label"]))
    except (KeyError, TypeError, ValueError):
        return None
    post = db.session.get(Post, undo.post_id)
    latest = latest_decision(undo.post_id) if post is not None else None
    if post is None or post.hidden_at is None or latest is None or latest.id != undo.seen:
        return None
    return undo
