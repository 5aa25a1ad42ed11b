"""A member's read-later list of threads (private; shows only threads they can still see)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forum.boards.queries import ThreadRow
from forum.comfort.models import ReadLater
from forum.extensions import db
from forum.models import Thread, ThreadRead, User, utcnow
from forum.visibility import visible_threads_clause


def is_saved(user: Any, thread: Thread) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(select(ReadLater.id).where(
        ReadLater.user_id == user.id, ReadLater.thread_id == thread.id)) is not None


def toggle(user: User, thread: Thread) -> bool:
    """Add or remove the thread; returns whether it is on the list now."""
    row = db.session.scalar(select(ReadLater).where(ReadLater.user_id == user.id, ReadLater.thread_id == thread.id))
    if row is not None:
        db.session.delete(row)
    else:
        db.session.add(ReadLater(user_id=user.id, thread_id=thread.id, created_at=utcnow()))
    db.session.commit()
    return row is None


def list_for(user: User) -> list[ThreadRow]:
    """The saved threads the member can still see, most recently saved first, with unread counts."""
    threads = list(db.session.scalars(
        select(Thread).join(ReadLater, ReadLater.thread_id == Thread.id)
        .where(ReadLater.user_id == user.id, visible_threads_clause(user))
        .order_by(ReadLater.created_at.desc(), ReadLater.id.desc())))
    reads = dict(db.session.execute(select(ThreadRead.thread_id, ThreadRead.last_read_number).where(
        ThreadRead.user_id == user.id, ThreadRead.thread_id.in_([t.id for t in threads]))).all()) if threads else {}
    return [ThreadRow(t, reads.get(t.id), max(0, t.post_count - 1)) for t in threads]
