"""Index upkeep that must not depend on every caller remembering it: a thread moved to another
category marks its posts search_dirty, so category: filters follow the move after the worker's
next sync (the index stores each post's category).

Nothing in the forum moves threads yet; whatever does it later (an admin tool, a moderator
action, a shell) changes Thread.category or Thread.category_id through the ORM, and this listener
flags the posts in the same transaction. Bulk UPDATE statements bypass it and must flag the posts
themselves.
"""
from __future__ import annotations

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session

from forum.models import Post, Thread


@event.listens_for(Session, "after_flush")
def _flag_posts_of_moved_threads(session: Session, _context) -> None:
    moved = [thread.id for thread in session.dirty if isinstance(thread, Thread) and _category_changed(thread)]
    if moved:
        # Core UPDATE on the session's connection: an ORM statement here would try to flush again.
        session.connection().execute(update(Post.__table__).where(Post.__table__.c.thread_id.in_(moved))
                                     .values(search_dirty=True))


def _category_changed(thread: Thread) -> bool:
    state = inspect(thread)
    return state.attrs.category_id.history.has_changes() or state.attrs.category.history.has_changes()
