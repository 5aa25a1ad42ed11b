"""Every retention rule in one list: `flask --app wsgi forum purge`, the worker (daily) and /privacy read it.

A rule says what is kept, why, for how long (a config value) and how it is removed. Purging is
idempotent: a second run right after the first removes nothing.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import delete, exists, func, or_, select

from forum.extensions import db
from forum.models import Post, PostRevision, Reaction, utcnow
from forum.privacy import redaction
from forum.privacy.models import DataExport, IpRecord, PurgeRun, UsernameReservation
from forum.text import plural

log = logging.getLogger("forum.privacy")
BATCH = 200


@dataclass(frozen=True)
class Rule:
    key: str
    what: str            # what is kept (privacy page)
    why: str             # why it is kept (privacy page)
    days: int            # how long, from config
    setting: str | None  # the environment variable that sets it
    counted: tuple[str, str]  # how the purge reports it: ("{n} <one> ... {days}", "{n} <several> ... {days}")
    apply: Callable[[datetime], int]

    def line(self, n: int) -> str:
        return self.counted[n != 1].format(n=f"{n:,}", days=plural(self.days, "day"))


def _days(name: str) -> int:
    value = int(current_app.config[name])
    if value < 0:
        raise ValueError(f"{name} must be 0 or more days, not {value}.")
    return value


def rules() -> list[Rule]:
    """The rules with their current config values."""
    from forum.comfort.drafts import PENDING_MAX_AGE

    ip, posts = _days("IP_RETENTION_DAYS"), _days("DELETED_POST_RETENTION_DAYS")
    exports, names = _days("EXPORT_RETENTION_DAYS"), _days("USERNAME_RESERVATION_DAYS")
    return [
        Rule("ip_records", "A keyed hash of the network address you log in from (never the address itself)",
             "To spot abuse such as a banned member coming back under a new name", ip, "IP_RETENTION_DAYS",
             ("{n} hashed login address not used for {days} removed",
              "{n} hashed login addresses not used for {days} removed"),
             lambda now: _purge_ip_records(now - timedelta(days=ip))),
        Rule("deleted_posts", "The text of posts you deleted (and of all your posts if you delete your account "
             "and choose to remove them), with their earlier versions",
             "So moderators can still act on a post that broke the rules and was then deleted", posts,
             "DELETED_POST_RETENTION_DAYS",
             ("{n} deleted post older than {days} erased", "{n} deleted posts older than {days} erased"),
             lambda now: _purge_deleted_posts(now - timedelta(days=posts), posts)),
        Rule("exports", "The ZIP file of a data export you asked for", "So you can download it", exports,
             "EXPORT_RETENTION_DAYS",
             ("{n} data export older than {days} removed", "{n} data exports older than {days} removed"),
             lambda now: _purge_exports(now, now - timedelta(days=exports))),
        Rule("username_reservations", "A username you gave up (or that a deleted account used)",
             "So nobody else can take it at once and be mistaken for you; while you still have an account, "
             "links to the old name lead to your profile", names, "USERNAME_RESERVATION_DAYS",
             ("{n} username reservation older than {days} removed",
              "{n} username reservations older than {days} removed"),
             lambda now: _purge_reservations(now)),
        Rule("pending_drafts", "Text you sent after your session had expired, kept until you log in again",
             "So what you wrote is not lost", PENDING_MAX_AGE.days, None,
             ("{n} unclaimed draft older than {days} removed",
              "{n} unclaimed drafts older than {days} removed"),
             lambda now: _purge_pending_drafts(now - PENDING_MAX_AGE)),
    ]


@dataclass
class PurgeReport:
    counts: list[tuple[Rule, int]]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)

    def lines(self) -> list[str]:
        return [rule.line(n) for rule, n in self.counts]

    def as_dict(self) -> dict[str, int]:
        return {rule.key: n for rule, n in self.counts}


def purge(source: str = "cli", now: datetime | None = None) -> PurgeReport:
    """Apply every rule, one commit per rule, and record the run."""
    now = now or utcnow()
    counts = []
    for rule in rules():
        try:
            n = rule.apply(now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        counts.append((rule, n))
    report = PurgeReport(counts)
    db.session.add(PurgeRun(ran_at=now, source=source, removed=report.as_dict()))
    db.session.commit()
    return report


def last_run() -> PurgeRun | None:
    return db.session.scalar(select(PurgeRun).order_by(PurgeRun.ran_at.desc(), PurgeRun.id.desc()).limit(1))


def run_daily_if_due(now: datetime | None = None) -> int:
    """The worker's hook: purge when the last run is PURGE_INTERVAL_HOURS old; returns how much was removed."""
    now = now or utcnow()
    try:
        last = db.session.scalar(select(func.max(PurgeRun.ran_at)))
        if last is not None and last > now - timedelta(hours=current_app.config["PURGE_INTERVAL_HOURS"]):
            return 0
        report = purge("worker", now)
    except Exception:  # noqa: BLE001 - the worker must survive and retry on its next pass
        db.session.rollback()
        log.exception("Retention purge failed; will retry")
        return 0
    if report.total:
        log.info("Retention purge: %s", "; ".join(report.lines()))
    return report.total


# --------------------------------------------------------------------------- the rules

def _purge_ip_records(cutoff: datetime) -> int:
    return db.session.execute(delete(IpRecord).where(IpRecord.last_seen < cutoff)
                              .execution_options(synchronize_session=False)).rowcount or 0


def _purge_reservations(now: datetime) -> int:
    return db.session.execute(delete(UsernameReservation).where(UsernameReservation.expires_at <= now)
                              .execution_options(synchronize_session=False)).rowcount or 0


def _purge_pending_drafts(cutoff: datetime) -> int:
    from forum.comfort.models import Draft

    return db.session.execute(delete(Draft).where(Draft.user_id.is_(None), Draft.updated_at < cutoff)
                              .execution_options(synchronize_session=False)).rowcount or 0


def _purge_exports(now: datetime, cutoff: datetime) -> int:
    from forum.privacy.exports import export_path, exports_dir

    old = list(db.session.scalars(select(DataExport).where(or_(
        DataExport.expires_at <= now,
        (DataExport.status != "ready") & (DataExport.requested_at < cutoff)))))
    for export in old:
        db.session.delete(export)
    db.session.flush()
    for export in old:
        export_path(export.token).unlink(missing_ok=True)
    directory = exports_dir()
    if directory.is_dir():  # files whose row is gone (a crash between the two, a failed build)
        known = set(db.session.scalars(select(DataExport.token)))
        for path in directory.iterdir():
            if path.is_file() and path.stem not in known:
                path.unlink(missing_ok=True)
    return len(old)


_SNIPPET = re.compile(r"\s*(\(|:\s*\").*$")


def _erasable_posts(cutoff: datetime):
    has_revisions = exists().where(PostRevision.post_id == Post.id)
    return select(Post.id).where(Post.deleted_at.is_not(None), Post.deleted_at < cutoff,
                                 or_(Post.body != "", Post.body_html != "", has_revisions))


def _purge_deleted_posts(cutoff: datetime, days: int) -> int:
    """Erase the text of posts deleted before the cutoff; the row stays so the thread keeps its shape."""
    from moderation.models import Appeal, ModerationFlag

    total = 0
    while True:
        ids = list(db.session.scalars(_erasable_posts(cutoff).order_by(Post.id).limit(BATCH)))
        if not ids:
            return total
        for post in db.session.scalars(select(Post).where(Post.id.in_(ids))):
            post.body, post.body_html, post.search_dirty = "", "", True
        db.session.execute(delete(PostRevision).where(PostRevision.post_id.in_(ids))
                           .execution_options(synchronize_session=False))
        db.session.execute(delete(Reaction).where(Reaction.post_id.in_(ids)).execution_options(synchronize_session=False))
        for flag in db.session.scalars(select(ModerationFlag).where(ModerationFlag.post_id.in_(ids))):
            flag.sentences = []
            flag.reasons = [r if r.startswith(("model:", "hold:")) else _SNIPPET.sub("", r) for r in flag.reasons or []]
        for appeal in db.session.scalars(select(Appeal).where(Appeal.post_id.in_(ids))):
            appeal.text = ""
        redacted = redaction.erase_post_text(ids)
        if redacted:
            from moderation import audit

            audit.record(None, "erase_post_text", note=f"Text of {plural(len(ids), 'post')} deleted more than "
                         f"{plural(days, 'day')} ago erased, also from {plural(redacted, 'audit entry', 'audit entries')}.")
        db.session.flush()
        total += len(ids)
