"""Download my data: a ZIP with one JSON file, prepared by the worker, fetched only by its owner.

The request is a row (the database is the queue, like pending posts); the worker writes
FORUM_INSTANCE_DIR/exports/<token>.zip, where the token is 43 random URL-safe characters, and tells
the member with an "export_ready" notification. The download answers 404 to everyone but the owner,
410 once EXPORT_RETENTION_DAYS have passed; `forum purge` then removes the file and the row.
"""
from __future__ import annotations

import json
import logging
import secrets
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification, Post, PostRevision, Reaction, Subscription, Thread, ThreadRead, User, utcnow
from forum.notifications import notify
from forum.privacy.models import DataExport, IpRecord, UsernameReservation
from forum.text import plural
from moderation.models import HIDE_REASONS, REPORT_REASONS, Appeal, AuditEntry, Decision, Report

log = logging.getLogger("forum.privacy")
FORMAT = "ms-forum-member-data"
VERSION = 1
ACCOUNT_ACTIONS = ("warn", "suspend", "unsuspend", "ban", "unban", "set_role")
TOLD_NOTES = ("warn", "suspend")  # actions whose note is sent to the member (moderation/actions.py)
README = """Your data from {site}, prepared {when} UTC.

data.json holds, as JSON:
  account                  your account and settings (including your email address)
  previous_usernames       names you gave up that are still reserved for you
  posts                    every post you wrote, with every revision (deleted and hidden posts too)
  reactions                posts you marked helpful
  subscriptions            threads you watch
  thread_reads             how far you read each thread
  notifications            everything the forum told you
  reports_made             posts you reported to the moderators, and what came of it
  moderation_decisions     moderators' decisions about your posts, with the reason you were given
  moderation_account_actions  warnings, suspensions, bans or role changes on your account, with what you were told
  appeals                  your appeals against decisions
  drafts, read_later, reading_preferences   what you kept for later and how you like to read
  login_records            when you logged in from a network (we keep only a keyed hash of the address)

Who reported your posts and which moderator decided are not included: that is other people's data.
Moderators' internal notes are not included either; what they wrote to you is (told_you, notifications).
Times are UTC. Delete this file when you no longer need it: it holds health information.
"""


class ExportError(ValueError):
    """The export cannot be requested now; the message says why."""


def exports_dir() -> Path:
    return Path(current_app.config["FORUM_INSTANCE_DIR"]) / "exports"


def export_path(token: str) -> Path:
    return exports_dir() / f"{token}.zip"


def request_export(user: User) -> DataExport:
    pending = db.session.scalar(select(DataExport).where(DataExport.user_id == user.id, DataExport.status == "pending"))
    if pending is not None:
        raise ExportError("Your data is already being prepared. You will find a notification when it is ready.")
    export = DataExport(user_id=user.id, token=secrets.token_urlsafe(32), status="pending", requested_at=utcnow())
    db.session.add(export)
    db.session.commit()
    return export


def recent_exports(user: User, limit: int = 5) -> list[DataExport]:
    return list(db.session.scalars(select(DataExport).where(DataExport.user_id == user.id)
                                   .order_by(DataExport.requested_at.desc(), DataExport.id.desc()).limit(limit)))


def is_downloadable(export: DataExport, now: datetime | None = None) -> bool:
    return export.status == "ready" and export.expires_at is not None and export.expires_at > (now or utcnow())


def for_owner(user: Any, token: str) -> DataExport | None:
    """The export behind a download link, only if it belongs to this member."""
    if not getattr(user, "is_authenticated", False) or not token:
        return None
    return db.session.scalar(select(DataExport).where(DataExport.token == token, DataExport.user_id == user.id))


def for_notification(user: Any, notification_id: int) -> DataExport | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(DataExport).where(
        DataExport.notification_id == notification_id, DataExport.user_id == user.id))


# --------------------------------------------------------------------------- the worker's side

def _claim_one() -> DataExport | None:
    query = select(DataExport).where(DataExport.status == "pending").order_by(DataExport.requested_at, DataExport.id).limit(1)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.scalar(query)


def process_pending_exports(limit: int = 5) -> int:
    """Prepare up to ``limit`` pending exports (the worker calls this on every pass; one query when idle)."""
    done = 0
    while done < limit:
        try:
            export = _claim_one()
            if export is None:
                break
            try:
                build(export)
            except Exception as exc:  # noqa: BLE001 - one bad export must not stop the others
                log.exception("Data export %s failed", export.id)
                db.session.rollback()
                _fail(export.id, exc)
            done += 1
        except Exception:  # noqa: BLE001 - the worker must survive a broken database and retry
            db.session.rollback()
            log.exception("Data export processing failed; will retry")
            break
    return done


def _fail(export_id: int, exc: Exception) -> None:
    export = db.session.get(DataExport, export_id)
    if export is None:
        return
    export.status, export.finished_at, export.error = "failed", utcnow(), f"{type(exc).__name__}: {exc}"[:1000]
    notify(export.user_id, "export_failed", "Your data export could not be prepared. Please ask for it again "
                                            "from your settings; if it keeps failing, tell the admins.")
    db.session.commit()


def build(export: DataExport) -> Path:
    """Write the ZIP, mark the export ready and notify the member, in one commit."""
    user = db.session.get(User, export.user_id)
    now = utcnow()
    data = collect(user, now)
    path = export_path(export.token)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("README.txt", README.format(site=current_app.config["SITE_NAME"], when=_iso(now)))
    tmp.replace(path)
    days = current_app.config["EXPORT_RETENTION_DAYS"]
    export.status, export.finished_at = "ready", now
    export.expires_at, export.size_bytes = now + timedelta(days=days), path.stat().st_size
    notify(user.id, "export_ready", f"Your data export is ready. Download it before "
                                    f"{export.expires_at:%d %B %Y %H:%M} UTC ({plural(days, 'day')}); only you can open the link.")
    db.session.flush()
    export.notification_id = db.session.scalar(select(Notification.id).where(
        Notification.user_id == user.id, Notification.kind == "export_ready").order_by(Notification.id.desc()).limit(1))
    db.session.commit()
    return path


# --------------------------------------------------------------------------- what goes in

def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None


def _rows(query) -> list:
    return list(db.session.scalars(query))


def collect(user: User, now: datetime | None = None) -> dict[str, Any]:
    """Everything the forum holds about this member, as JSON-ready data."""
    now = now or utcnow()
    posts = _rows(select(Post).where(Post.author_id == user.id).order_by(Post.created_at, Post.id))
    post_ids = [p.id for p in posts]
    return {
        "format": FORMAT, "version": VERSION, "generated_at": _iso(now),
        "site": current_app.config["SITE_NAME"],
        "account": _account(user),
        "previous_usernames": [{"name": r.name, "reserved_until": _iso(r.expires_at)} for r in _rows(
            select(UsernameReservation).where(UsernameReservation.user_id == user.id, UsernameReservation.expires_at > now))],
        "posts": [_post(p) for p in posts],
        "reactions": [{"post_id": r.post_id, "kind": r.kind, "created_at": _iso(r.created_at)}
                      for r in _rows(select(Reaction).where(Reaction.user_id == user.id).order_by(Reaction.id))],
        "subscriptions": [{"thread_id": s.thread_id, "thread_title": _title(s.thread_id), "created_at": _iso(s.created_at)}
                          for s in _rows(select(Subscription).where(Subscription.user_id == user.id).order_by(Subscription.id))],
        "thread_reads": [{"thread_id": r.thread_id, "last_read_number": r.last_read_number, "read_at": _iso(r.read_at)}
                         for r in _rows(select(ThreadRead).where(ThreadRead.user_id == user.id).order_by(ThreadRead.id))],
        "notifications": [{"kind": n.kind, "message": n.message, "created_at": _iso(n.created_at), "read_at": _iso(n.read_at),
                           "thread_id": n.thread_id, "post_id": n.post_id}
                          for n in _rows(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))],
        "reports_made": [{"post_id": r.post_id, "reason": r.reason, "reason_text": REPORT_REASONS.get(r.reason, r.reason),
                          "note": r.note, "created_at": _iso(r.created_at), "resolved_at": _iso(r.resolved_at),
                          "outcome": r.outcome}
                         for r in _rows(select(Report).where(Report.reporter_id == user.id).order_by(Report.id))],
        "moderation_decisions": [_decision(d) for d in (_rows(
            select(Decision).where(Decision.post_id.in_(post_ids)).order_by(Decision.id)) if post_ids else [])],
        "moderation_account_actions": [_account_action(e) for e in _rows(select(AuditEntry).where(
            AuditEntry.target_user_id == user.id, AuditEntry.action.in_(ACCOUNT_ACTIONS)).order_by(AuditEntry.id))],
        "appeals": [{"post_id": a.post_id, "decision_id": a.decision_id, "text": a.text, "status": a.status,
                     "created_at": _iso(a.created_at), "resolved_at": _iso(a.resolved_at)}
                    for a in _rows(select(Appeal).where(Appeal.author_id == user.id).order_by(Appeal.id))],
        **_comfort(user),
        "login_records": [{"first_seen": _iso(r.first_seen), "last_seen": _iso(r.last_seen),
                           "address": "kept only as a keyed hash"}
                          for r in _rows(select(IpRecord).where(IpRecord.user_id == user.id).order_by(IpRecord.id))],
    }


def _decision(d: Decision) -> dict[str, Any]:
    """A decision about the member's post, with what the member was told about it; moderators' own notes
    (who reported, what they discussed) stay out: only a hide's note is part of the reason the member read."""
    reason_text = HIDE_REASONS.get(d.reason or "", None)
    told = None
    if d.action == "hide":  # the member read "Reason: <reason>. <note>" (moderation.actions.hide)
        told = f"{reason_text}. {d.note}" if d.note else reason_text
    return {"post_id": d.post_id, "action": d.action, "reason": d.reason, "reason_text": reason_text,
            "told_you": told, "by": "a moderator" if d.moderator_id else "the forum (automatic)",
            "appealable": d.appealable, "created_at": _iso(d.created_at)}


def _account_action(e: AuditEntry) -> dict[str, Any]:
    """A warning, suspension, ban or role change; its note only when the member was sent it (warn, suspend)."""
    return {"action": e.action, "told_you": (e.note or None) if e.action in TOLD_NOTES else None,
            "before": e.before, "after": e.after, "post_id": e.post_id, "created_at": _iso(e.created_at)}


def _account(user: User) -> dict[str, Any]:
    return {
        "id": user.id, "username": user.username, "email": user.email, "role": user.role, "bio": user.bio,
        "created_at": _iso(user.created_at), "last_seen_at": _iso(user.last_seen_at),
        "mention_notifications": user.mention_notifications, "hide_posts_from_visitors": user.hide_posts_from_visitors,
        "suspended_until": _iso(user.suspended_until), "banned_at": _iso(user.banned_at), "imported": user.is_imported,
    }


def _title(thread_id: int) -> str | None:
    thread = db.session.get(Thread, thread_id)
    return thread.title if thread is not None else None


def _post(post: Post) -> dict[str, Any]:
    revisions = _rows(select(PostRevision).where(PostRevision.post_id == post.id).order_by(PostRevision.number))
    return {
        "id": post.id, "thread_id": post.thread_id, "thread_title": post.thread.title, "number": post.number,
        "created_at": _iso(post.created_at), "edited_at": _iso(post.edited_at), "deleted_at": _iso(post.deleted_at),
        "hidden_at": _iso(post.hidden_at), "hidden_reason": post.hidden_reason,
        "moderation_state": post.moderation_state, "context_note": post.context_note, "body": post.body,
        "revisions": [{"number": r.number, "created_at": _iso(r.created_at), "title": r.title, "body": r.body,
                       "edited_by": "you" if r.editor_id in (None, post.author_id) else "a moderator"}
                      for r in revisions],
    }


def _comfort(user: User) -> dict[str, Any]:
    from forum.comfort.models import Draft, ReadingPreferences, ReadLater

    prefs = db.session.get(ReadingPreferences, user.id)
    return {
        "drafts": [{"thread_id": d.thread_id, "category_id": d.category_id, "title": d.title, "body": d.body,
                    "created_at": _iso(d.created_at), "updated_at": _iso(d.updated_at)}
                   for d in _rows(select(Draft).where(Draft.user_id == user.id).order_by(Draft.id))],
        "read_later": [{"thread_id": r.thread_id, "thread_title": _title(r.thread_id), "created_at": _iso(r.created_at)}
                       for r in _rows(select(ReadLater).where(ReadLater.user_id == user.id).order_by(ReadLater.id))],
        "reading_preferences": None if prefs is None else {
            "text_size": prefs.text_size, "theme": prefs.theme, "font": prefs.font, "line_spacing": prefs.line_spacing,
            "motion": prefs.motion, "shortcuts": prefs.shortcuts, "updated_at": _iso(prefs.updated_at)},
    }
