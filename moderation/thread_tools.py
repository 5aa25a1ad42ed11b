"""Moderators' tools on a whole thread: pin (optionally until a date), close or reopen, move to another category.

Close is not lock (moderation.actions.set_locked): a closed thread takes no new replies, but its authors may
still edit their posts; a locked one freezes both. Each tool writes an audit entry (on the thread's first
post, so the thread's author is the entry's member) and tells the thread's author in plain words, in the
same transaction. Moving a thread changes only its category: its address (/t/<id>) stays, and
forum.search.upkeep marks its posts for the search index to pick up the new category.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select

from forum.extensions import db
from forum.models import Category, Post, Thread, User, utcnow
from forum.notifications import notify
from moderation import audit
from moderation.actions import ActionError, _note, check_post_action
from moderation.audit_text import readable_time

NOTICE_KIND = "moderation_thread"


def first_post(thread: Thread) -> Post:
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    if post is None:
        raise ActionError("This thread has no opening post to act on.")
    return post


def thread_state(thread: Thread) -> dict:
    """What the audit log keeps of a thread before and after a tool."""
    return {"category": thread.category.name, "pinned": thread.is_pinned(), "pinned_until": thread.pinned_until,
            "thread_closed": bool(thread.closed), "thread_locked": bool(thread.locked)}


def unpin_time(day: date | None) -> datetime | None:
    """An "unpin on" date means the pin ends at the start of that day (UTC)."""
    return datetime.combine(day, time.min) if day is not None else None


def _act(actor: User, thread: Thread, action: str, note: str, change, message: str | None) -> Thread:
    post = first_post(thread)
    check_post_action(actor, post)
    note = _note(note)
    before = thread_state(thread)
    change()
    db.session.flush()
    audit.record(actor, action, post=post, note=note, before=before, after=thread_state(thread))
    if message and thread.author_id != actor.id:
        notify(thread.author_id, NOTICE_KIND, message, post=post, actor_id=actor.id)
    db.session.commit()
    return thread


def pin(actor: User, thread: Thread, until: datetime | None = None, note: str = "") -> Thread:
    """Pinned threads come first in their category; with ``until`` the pin runs out by itself."""
    now = utcnow()
    if until is not None and until <= now:
        raise ActionError("The unpin date must be in the future.")
    if thread.is_pinned(now) and thread.pinned_until == until:
        raise ActionError("The thread is already pinned.")

    def change() -> None:
        thread.pinned, thread.pinned_until = True, until

    when = f" until {readable_time(until)} UTC" if until else ""
    return _act(actor, thread, "pin", note, change,
                f"A moderator pinned your thread “{thread.title}” to the top of {thread.category.name}{when}.")


def unpin(actor: User, thread: Thread, note: str = "") -> Thread:
    if not thread.is_pinned():
        raise ActionError("The thread is not pinned.")

    def change() -> None:
        thread.pinned, thread.pinned_until = False, None

    return _act(actor, thread, "unpin", note, change,
                f"A moderator unpinned your thread “{thread.title}”: it sorts by its latest reply again.")


def set_closed(actor: User, thread: Thread, closed: bool, note: str = "") -> Thread:
    """Closed: no new replies (moderators aside); posts can still be edited by their authors."""
    if bool(thread.closed) == closed:
        raise ActionError("The thread is already closed." if closed else "The thread is not closed.")

    def change() -> None:
        thread.closed = closed

    message = (f"A moderator closed your thread “{thread.title}”: no new replies, but you can still edit your posts."
               if closed else f"A moderator reopened your thread “{thread.title}” for replies.")
    return _act(actor, thread, "close" if closed else "reopen", note, change, message)


def move(actor: User, thread: Thread, category: Category, note: str = "") -> Thread:
    """Into another category that is not archived; the thread keeps its address."""
    if category.id == thread.category_id:
        raise ActionError(f"The thread is already in {category.name}.")
    if category.archived_at is not None:
        raise ActionError(f"{category.name} is archived and takes no threads.")

    def change() -> None:
        thread.category = category  # forum.search.upkeep marks the posts for the index on flush

    return _act(actor, thread, "move", note, change,
                f"A moderator moved your thread “{thread.title}” to {category.name}.")
