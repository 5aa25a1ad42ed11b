"""Tables for reading and writing comfort: drafts, reading preferences, the read-later list."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models import Category, Thread, User, utcnow


class Draft(db.Model):
    """Unsent text of a reply (thread_id) or a new thread (category_id).

    A member's drafts have user_id set. A draft kept from a form posted after the session had
    expired has no user yet: it is found only through the hash of a random token held in that
    browser's cookie, and becomes the member's draft when they log in (forum.comfort.drafts).
    """

    __tablename__ = "drafts"
    __table_args__ = (
        CheckConstraint("(thread_id IS NULL) <> (category_id IS NULL)", name="ck_drafts_one_target"),
        Index("ix_drafts_user_updated", "user_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    thread_id: Mapped[Optional[int]] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300), default="", server_default="")
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    claim_hash: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[Optional[User]] = relationship()
    thread: Mapped[Optional[Thread]] = relationship()
    category: Mapped[Optional[Category]] = relationship()


class ReadingPreferences(db.Model):
    """How a member wants pages to look; visitors keep the same values in a cookie."""

    __tablename__ = "reading_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    text_size: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    theme: Mapped[str] = mapped_column(String(20), default="auto", server_default="auto")
    font: Mapped[str] = mapped_column(String(20), default="standard", server_default="standard")
    line_spacing: Mapped[str] = mapped_column(String(20), default="normal", server_default="normal")
    motion: Mapped[str] = mapped_column(String(20), default="auto", server_default="auto")
    shortcuts: Mapped[str] = mapped_column(String(10), default="on", server_default="on")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReadLater(db.Model):
    __tablename__ = "read_later"
    __table_args__ = (UniqueConstraint("user_id", "thread_id", name="uq_read_later_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    thread: Mapped[Thread] = relationship()
