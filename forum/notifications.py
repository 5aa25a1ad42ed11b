"""Who is told what, and when: replies to watched threads, @mentions, moderator messages."""
from __future__ import annotations

from sqlalchemy import func, select, update

from forum.extensions import db
from forum.markup import MENTION_RE
from forum.models import Notification, Post, Subscription, User, utcnow
from forum.text import name_key
from forum.visibility import can_announce_post


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
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).offset(offset).limit(limit)
    ))


def count_for(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user.id)) or 0


def mark_all_read(user: User) -> None:
    db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow())
    )
    db.session.commit()


def mark_read(user: User, notification_id: int) -> Notification | None:
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        return None
    if note.read_at is None:
        note.read_at = utcnow()
        db.session.commit()
    return note
