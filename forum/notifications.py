"""Who is told what, and when: replies to watched threads, @mentions, moderator messages."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from forum.extensions import db
from forum.markup import MENTION_RE
from forum.models import Notification, Post, Subscription, Thread, User, utcnow
from forum.text import name_key
from forum.visibility import can_announce_post, can_see_post, can_see_thread


def mentioned_users(body: str) -> list[User]:
    keys = {name_key(m.group(1)) for m in MENTION_RE.finditer(body or "")}
    if not keys:
        return []
    return list(db.session.scalars(select(User).where(User.username_key.in_(keys))))


def mention_count(body: str) -> int:
    """How many different members a post's text @mentions."""
    return len({name_key(m.group(1)) for m in MENTION_RE.finditer(body or "")})


def announce_post(post: Post, first_time: bool) -> None:
    """Tell the members a post concerns, once it may be seen (forum.visibility.can_announce_post); called
    by the worker after scoring and by moderators' approvals, in their transaction.

    Mentions reach each member once per post (an edit that adds a name tells only that member);
    watchers hear of a post the first time it becomes visible.
    """
    if not can_announce_post(post):
        return
    told = {post.author_id} | _already_told(post)
    for user in mentioned_users(post.body):
        if user.id in told or not user.mention_notifications:
            continue
        _add(user.id, "mention", post, f"{post.author.username} mentioned you in “{post.thread.title}”")
        told.add(user.id)
    if not first_time:
        return
    watchers = db.session.scalars(select(Subscription.user_id).where(  # who watched when it was written
        Subscription.thread_id == post.thread_id, Subscription.created_at <= post.created_at))
    for user_id in watchers:
        if user_id not in told:
            _add(user_id, "reply", post, f"{post.author.username} replied to “{post.thread.title}”")
            told.add(user_id)


def _already_told(post: Post) -> set[int]:
    return set(db.session.scalars(select(Notification.user_id).where(
        Notification.post_id == post.id, Notification.kind.in_(("mention", "reply")))))


def _add(user_id: int, kind: str, post: Post, message: str) -> None:
    db.session.add(Notification(
        user_id=user_id, kind=kind, actor_id=post.author_id, thread_id=post.thread_id, post=post, message=message,
    ))


def notify(user_id: int, kind: str, message: str, post: Post | None = None, actor_id: int | None = None) -> None:
    """A direct notice (moderator warning, decision, export ready) in the caller's transaction."""
    db.session.add(Notification(
        user_id=user_id, kind=kind, actor_id=actor_id, message=message,
        post=post, thread_id=post.thread_id if post is not None else None,
    ))


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def list_for(user: User, offset: int, limit: int) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).options(selectinload(Notification.post))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).offset(offset).limit(limit)
    ))


def count_for(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user.id)) or 0


def mark_all_read(user: User) -> None:
    db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow())
    )
    db.session.commit()


def get_own(user: User, notification_id: int) -> Notification | None:
    note = db.session.get(Notification, notification_id)
    return note if note is not None and note.user_id == user.id else None


def mark_read(user: User, notification_id: int) -> Notification | None:
    note = get_own(user, notification_id)
    if note is None:
        return None
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    return note


# --------------------------------------------------------------------------- posts that went away since

@dataclass(frozen=True)
class Unavailable:
    """Why the post a notification points at cannot be opened by this member, in plain words."""

    label: str  # short, beside the entry in the list
    message: str  # a sentence, on the page the entry opens
    thread: Thread | None = None  # still readable: the way back into the conversation


def _first_post(thread_id: int) -> Post | None:
    return db.session.scalar(select(Post).where(Post.thread_id == thread_id, Post.number == 1))


def _thread_gone(first: Post | None) -> Unavailable:
    if first is not None and first.hidden_at is not None:
        return Unavailable("Thread hidden by the moderators", "The thread this post was in was hidden by the moderators.")
    if first is not None and first.moderation_state == "held":
        return Unavailable("Thread waiting for review", "The thread this post was in is waiting for a moderator to review it.")
    return Unavailable("Thread no longer available", "The thread this post was in is no longer available.")


def _post_gone(post: Post, thread: Thread | None) -> Unavailable:
    if post.deleted_at is not None:
        return Unavailable("Post deleted by its author", "This post was deleted by its author.", thread)
    if post.hidden_at is not None:
        return Unavailable("Post hidden by the moderators", "This post was hidden by the moderators.", thread)
    return Unavailable("Post waiting for review", "This post is waiting for a moderator to review it.", thread)


def unavailable(note: Notification, viewer: Any) -> Unavailable | None:
    """What happened to the notification's post when the viewer may no longer read it; None if they may
    (or the notification is not about a post). Says why, never what the post said."""
    if note.post_id is None:
        return None
    post = note.post
    if post is None:
        return Unavailable("Post no longer available", "This post no longer exists.")
    first = post if post.number == 1 else _first_post(post.thread_id)
    if not can_see_thread(first, viewer):
        return _thread_gone(first)
    if post.deleted_at is None and can_see_post(post, viewer):
        return None
    return _post_gone(post, post.thread)


def unavailable_in(notes: Iterable[Notification], viewer: Any) -> dict[int, Unavailable]:
    """unavailable() for a page of the list, by notification id."""
    return {note.id: gone for note in notes if (gone := unavailable(note, viewer)) is not None}
