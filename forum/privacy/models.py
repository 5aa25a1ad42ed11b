"""Tables for privacy: data exports, reserved usernames, deleted accounts, hashed addresses, purge runs."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models import utcnow

EXPORT_STATES = ("pending", "ready", "failed")
POST_CHOICES = ("remove", "keep")


class DataExport(db.Model):
    """One "download my data" request: pending until the worker writes the ZIP, then ready until it expires."""

    __tablename__ = "data_exports"
    __table_args__ = (Index("ix_data_exports_status", "status", "requested_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # the file name and the URL: unguessable
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    expires_at: Mapped[Optional[datetime]] = mapped_column(DateTime, index=True)
    size_bytes: Mapped[Optional[int]] = mapped_column(Integer)
    notification_id: Mapped[Optional[int]] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
    error: Mapped[Optional[str]] = mapped_column(Text)


class UsernameReservation(db.Model):
    """A name a member gave up: nobody else may take it until it expires.

    With user_id set, /u/<name> redirects to that member's profile. A deleted account's names are
    reserved without user_id: nobody can take over the name, and nothing leads to the deleted profile.
    """

    __tablename__ = "username_reservations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    name_key: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class AccountDeletion(db.Model):
    """That an account was erased, when, and what happened to its posts. Its id is the N in deleted-member-N."""

    __tablename__ = "account_deletions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    deleted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    posts: Mapped[str] = mapped_column(String(10))  # remove | keep


class IpRecord(db.Model):
    """A keyed hash (never the address) a member logged in from, kept IP_RETENTION_DAYS after last use."""

    __tablename__ = "ip_records"
    __table_args__ = (UniqueConstraint("user_id", "ip_hash", name="uq_ip_records_user_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ip_hash: Mapped[str] = mapped_column(String(64), index=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class PurgeRun(db.Model):
    """One application of the retention rules: when, by whom (worker or cli) and what it removed."""

    __tablename__ = "purge_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(10))
    removed: Mapped[dict] = mapped_column(JSON, default=dict)


class AuditRedactionGrant(db.Model):
    """Permission, inside one transaction, to redact identity from one audit entry (see redaction.py).

    The database triggers on moderation_audit refuse every UPDATE of an entry without a row here, and
    refuse any change to who/what/when columns even with one. Rows are deleted before the transaction
    that made them commits, so the table is always empty between transactions.
    """

    __tablename__ = "audit_redaction_grants"

    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
