"""The append-only audit log: every moderator and admin action, in the action's own transaction.

``record`` only adds a row to the session; the caller commits it together with the change it
describes, so there is never an action without its entry or an entry without its action.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, User, utcnow
from moderation.models import AuditEntry

ACTION_NAMES = {
    "approve": "Approved",
    "label": "Answered the least-sure questions",
    "hide": "Hid post",
    "restore": "Restored post",
    "auto_hide": "Hidden automatically (member reports)",
    "edit": "Edited post",
    "context_note": "Set context note",
    "clear_context_note": "Removed context note",
    "lock": "Locked thread",
    "unlock": "Unlocked thread",
    "pin": "Pinned thread",
    "unpin": "Unpinned thread",
    "close": "Closed thread",
    "reopen": "Reopened thread",
    "move": "Moved thread",
    "category_create": "Created category",
    "category_edit": "Edited category",
    "category_move_up": "Moved category up",
    "category_move_down": "Moved category down",
    "category_archive": "Archived category",
    "category_unarchive": "Unarchived category",
    "warn": "Warned member",
    "suspend": "Suspended member",
    "unsuspend": "Lifted suspension",
    "ban": "Banned member",
    "unban": "Lifted ban",
    "set_role": "Changed role",
    "report": "Member report",
    "appeal": "Appeal sent",
    "account_deleted": "Account deleted by the member",
    "view_email": "Viewed email address",
    "erase_post_text": "Erased text of deleted posts",
    "claim_add": "Added known claim",
    "claim_retire": "Retired known claim",
    "claim_restore": "Restored known claim",
    "provider_add": "Added known provider",
    "provider_retire": "Retired known provider",
    "provider_restore": "Restored known provider",
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def post_state(post: Post) -> dict:
    return {
        "moderation_state": post.moderation_state,
        "hidden_at": _jsonable(post.hidden_at),
        "hidden_reason": post.hidden_reason,
        "context_note": post.context_note,
        "revision_count": post.revision_count,
        "thread_locked": bool(post.thread.locked),
    }


def user_state(user: User) -> dict:
    return {
        "role": user.role,
        "suspended_until": _jsonable(user.suspended_until),
        "banned_at": _jsonable(user.banned_at),
        "session_version": user.session_version,
    }


def record(actor: User | None, action: str, *, post: Post | None = None, user: User | None = None,
           note: str = "", before: dict | None = None, after: dict | None = None) -> AuditEntry:
    """Add one audit entry to the current transaction (the caller commits)."""
    entry = AuditEntry(
        created_at=utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_role=actor.role if actor is not None else "system",
        action=action,
        post_id=post.id if post is not None else None,
        target_user_id=user.id if user is not None else (post.author_id if post is not None else None),
        note=note or "",
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
    )
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    post_id: int | None = None
    user_id: int | None = None
    actor_id: int | None = None


def _filtered(query, f: AuditFilter):
    if f.action:
        query = query.where(AuditEntry.action == f.action)
    if f.post_id:
        query = query.where(AuditEntry.post_id == f.post_id)
    if f.user_id:
        query = query.where(AuditEntry.target_user_id == f.user_id)
    if f.actor_id:
        query = query.where(AuditEntry.actor_id == f.actor_id)
    return query


def count(f: AuditFilter) -> int:
    return db.session.scalar(_filtered(select(func.count(AuditEntry.id)), f)) or 0


def entries(f: AuditFilter, offset: int, limit: int) -> list[AuditEntry]:
    query = _filtered(select(AuditEntry), f).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    return list(db.session.scalars(query.offset(offset).limit(limit)))


def for_post(post_id: int, limit: int = 50) -> list[AuditEntry]:
    return entries(AuditFilter(post_id=post_id), 0, limit)


def for_user(user_id: int, limit: int = 50) -> list[AuditEntry]:
    return entries(AuditFilter(user_id=user_id), 0, limit)
