"""SQLAlchemy 2.0 typed mappings for the forum itself (moderation models live in moderation/)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.text import skeleton

ROLES = ("member", "moderator", "admin")
MODERATION_STATES = ("pending", "clean", "flagged", "held")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40))
    username_key: Mapped[str] = mapped_column(String(40), unique=True)
    username_skeleton: Mapped[Optional[str]] = mapped_column(String(40), index=True)  # set by _keep_skeleton
    email: Mapped[Optional[str]] = mapped_column(String(254))
    email_key: Mapped[Optional[str]] = mapped_column(String(254), unique=True)
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member", server_default="member")
    bio: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    is_imported: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    suspended_until: Mapped[Optional[datetime]] = mapped_column(DateTime)
    banned_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    mention_notifications: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    hide_posts_from_visitors: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    def get_id(self) -> str:
        """Session id carries a version so a password change or ban ends other sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_moderator(self) -> bool:
        return self.role in ("moderator", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_log_in(self) -> bool:
        return self.password_hash is not None and self.banned_at is None

    def is_suspended(self, now: datetime | None = None) -> bool:
        return self.suspended_until is not None and self.suspended_until > (now or utcnow())

    @property
    def can_participate(self) -> bool:
        return self.banned_at is None and not self.is_suspended()


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # archived: off the front page and closed to new threads; its threads still read by link
    archived_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    # announcements: only moderators and admins start threads or reply (forum.visibility)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Thread(db.Model):
    __tablename__ = "threads"
    __table_args__ = (Index("ix_threads_category_activity", "category_id", "pinned", "last_posted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(300))
    slug: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_posted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    post_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # pinned until this time (None: until a moderator unpins); after it the thread sorts normally
    pinned_until: Mapped[Optional[datetime]] = mapped_column(DateTime)
    # closed: no new replies, but authors may still edit (locked freezes edits too)
    closed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    external_id: Mapped[Optional[str]] = mapped_column(String(120), unique=True)

    category: Mapped[Category] = relationship()
    author: Mapped[User] = relationship()

    def is_pinned(self, now: datetime | None = None) -> bool:
        """Pinned right now: a pin with a date in the past has run out."""
        return bool(self.pinned) and (self.pinned_until is None or self.pinned_until > (now or utcnow()))


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("thread_id", "number", name="uq_posts_thread_number"),
        Index("ix_posts_moderation_state", "moderation_state"),
        Index("ix_posts_search_dirty", "search_dirty"),
        Index("ix_posts_author_visible", "author_id", "deleted_at", "hidden_at"),
        Index("uq_posts_author_submission", "author_id", "submission_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    edited_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    revision_count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    deleted_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    hidden_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    hidden_reason: Mapped[Optional[str]] = mapped_column(Text)
    moderation_state: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    moderated_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    search_dirty: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    external_id: Mapped[Optional[str]] = mapped_column(String(120), unique=True)
    context_note: Mapped[Optional[str]] = mapped_column(Text)
    # the posting form's one-time token: pressing post twice (or a resent request) posts once
    submission_key: Mapped[Optional[str]] = mapped_column(String(64))

    thread: Mapped[Thread] = relationship()
    author: Mapped[User] = relationship()

    @property
    def is_first(self) -> bool:
        return self.number == 1


class PostRevision(db.Model):
    __tablename__ = "post_revisions"
    __table_args__ = (UniqueConstraint("post_id", "number", name="uq_revisions_post_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    title: Mapped[Optional[str]] = mapped_column(String(300))
    editor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    post: Mapped[Post] = relationship()
    editor: Mapped[Optional[User]] = relationship()


class Reaction(db.Model):
    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("post_id", "user_id", "kind", name="uq_reactions_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="helpful", server_default="helpful")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Subscription(db.Model):
    """A member watching a thread."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "thread_id", name="uq_subscriptions_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ThreadRead(db.Model):
    """How far a member has read a thread: drives unread markers."""

    __tablename__ = "thread_reads"
    __table_args__ = (UniqueConstraint("user_id", "thread_id", name="uq_thread_reads_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"), index=True)
    last_read_number: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    thread_id: Mapped[Optional[int]] = mapped_column(ForeignKey("threads.id"))
    post_id: Mapped[Optional[int]] = mapped_column(ForeignKey("posts.id"))
    message: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[Optional[datetime]] = mapped_column(DateTime)

    actor: Mapped[Optional[User]] = relationship(foreign_keys=[actor_id])
    thread: Mapped[Optional[Thread]] = relationship()
    post: Mapped[Optional[Post]] = relationship()


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _keep_skeleton(_mapper, _connection, user: User) -> None:
    """Every way a name is written (registration, rename, deletion placeholder, demo) keeps its skeleton."""
    user.username_skeleton = skeleton(user.username)


class WorkerHeartbeat(db.Model):
    """One row per running worker process ("host:pid"): the last time its loop came round (forum/heartbeat.py)."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    last_seen: Mapped[datetime] = mapped_column(DateTime, index=True)
