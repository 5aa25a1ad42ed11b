"""Who is told what, and when: replies to watched threads, @mentions, moderator messages."""
from __future__ import annotations

from sqlalchemy import func, select, update

from forum.extensions import db
from forum.markup import MENTION_RE
from forum.models import Notification, Post, Subscription, User, utcnow
from forum.text import name_key


def mentioned_users(body: str) -> list[User]:
    keys = {name_key(m.group(1)) for m in MENTION_RE.finditer(body or "")}
    if not keys:
        return []
    return list(db.session.scalars(select(User).where(User.username_key.in_(keys))))


def notify_new_post(post: Post, previous_body: str | None = None) -> None:
    """Queue notifications for a new or edited post (within the caller's transaction).

    On edit only newly added mentions notify; watchers hear of new posts only.
    """
    told: set[int] = {post.author_id}
    already = {u.id for u in mentioned_users(previous_body)} if previous_body is not None else set()
    for user in mentioned_users(post.body):
        if user.id in told or user.id in already or not user.mention_notifications:
            continue
        _add(user.id, "mention", post, f"{post.author.username} mentioned you in “{post.thread.title}”")
        told.add(user.id)
    if previous_body is not None:
        return
    watchers = db.session.scalars(select(Subscription.user_id).where(Subscription.thread_id == post.thread_id))
    for user_id in watchers:
        if user_id not in told:
            _add(user_id, "reply", post, f"{post.author.username} replied to “{post.thread.title}”")
            told.add(user_id)


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
