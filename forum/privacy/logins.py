"""Login records: which (hashed) network a member logged in from, for abuse checks by admins.

Connected to Flask-Login's user_logged_in signal, so registering, logging in and re-logging in after
a password change all count, without the account routes knowing. Never the address: only its keyed
hash (forum.privacy.iphash), one row per member and network, dropped IP_RETENTION_DAYS after last use.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, current_app, session
from flask_login import user_logged_in
from sqlalchemy import select

from forum.extensions import db
from forum.models import User, utcnow
from forum.privacy.iphash import current_ip_hash
from forum.privacy.models import IpRecord

log = logging.getLogger("forum.privacy")


def record_login(sender, user: User, **extra) -> None:
    # The id comes from the session Flask-Login just wrote, not from ``user``: the settings page passes
    # the current_user proxy to login_user, and reading through that proxy here would recurse.
    user_id, _, _ = str(session.get("_user_id") or "").partition(":")
    ip_hash = current_ip_hash()
    if ip_hash is None or not user_id.isdigit():
        return
    user_id, now = int(user_id), utcnow()
    try:
        row = db.session.scalar(select(IpRecord).where(IpRecord.user_id == user_id, IpRecord.ip_hash == ip_hash))
        if row is None:
            db.session.add(IpRecord(user_id=user_id, ip_hash=ip_hash, first_seen=now, last_seen=now))
        else:
            row.last_seen = now
        db.session.commit()
    except Exception:  # noqa: BLE001 - a login never fails because its record could not be written
        db.session.rollback()
        log.exception("Could not record a login")


def accounts_sharing_network(user: User, limit: int = 20) -> list[User]:
    """Other accounts that logged in from a network this member used, within the retention period."""
    since = utcnow() - timedelta(days=current_app.config["IP_RETENTION_DAYS"])
    hashes = select(IpRecord.ip_hash).where(IpRecord.user_id == user.id, IpRecord.last_seen >= since)
    return list(db.session.scalars(
        select(User).join(IpRecord, IpRecord.user_id == User.id)
        .where(IpRecord.ip_hash.in_(hashes), IpRecord.user_id != user.id, IpRecord.last_seen >= since)
        .distinct().order_by(User.username_key).limit(limit)))


def init_app(app: Flask) -> None:
    user_logged_in.connect(record_login, app)
