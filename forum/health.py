"""What /healthz reports: can the forum serve, and is its worker keeping up?

Unhealthy (503) when the database cannot be reached, or when posts wait for scoring while no worker has
come round its loop for HEALTH_MAX_HEARTBEAT_AGE seconds. Everything else is information for the operator.
Nothing here names a member, a path on disk or a setting that could be secret.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select, text

from forum.extensions import db
from forum.models import Post, utcnow

log = logging.getLogger(__name__)


@dataclass
class Health:
    ok: bool
    problems: list[str] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"status": "ok" if self.ok else "unhealthy", "problems": self.problems, **self.report}


def _age(then: datetime | None, now: datetime) -> float | None:
    return None if then is None else round(max(0.0, (now - then).total_seconds()), 1)


def pending_posts() -> tuple[int, datetime | None]:
    """How many posts wait for the classifier, and when the oldest of them was written."""
    count, oldest = db.session.execute(
        select(func.count(Post.id), func.min(Post.created_at)).where(Post.moderation_state == "pending")).one()
    return int(count or 0), oldest


def search_index_age(now: datetime) -> float | None:
    """Seconds since the embedded index last swapped in a build (None on PostgreSQL or with no index)."""
    current = Path(current_app.config["FORUM_INSTANCE_DIR"]) / "search" / "whoosh" / "CURRENT"
    try:
        return _age(datetime.fromtimestamp(current.stat().st_mtime, timezone.utc).replace(tzinfo=None), now)
    except OSError:
        return None


def check(now: datetime | None = None) -> Health:
    from forum import backup, heartbeat

    now = now or utcnow()
    health = Health(ok=True)
    last_backup = backup.last_backup_time()
    health.report["backup"] = {"last": last_backup.strftime("%Y-%m-%dT%H:%M:%SZ") if last_backup else None,
                               "age_seconds": _age(last_backup, now)}
    try:
        db.session.execute(text("SELECT 1"))
        beat_age = heartbeat.age_seconds(now)
        pending, oldest = pending_posts()
    except Exception:  # noqa: BLE001 - any database failure is the answer, not a 500
        db.session.rollback()
        log.exception("Health check: database unreachable")
        health.ok = False
        health.problems.append("The database cannot be reached.")
        health.report["database"] = {"reachable": False}
        return health
    limit = current_app.config.get("HEALTH_MAX_HEARTBEAT_AGE", 300)
    health.report["database"] = {"reachable": True, "kind": db.engine.dialect.name}
    health.report["worker"] = {"heartbeat_age_seconds": None if beat_age is None else round(beat_age, 1),
                               "max_heartbeat_age_seconds": limit}
    health.report["moderation"] = {"pending_posts": pending, "oldest_pending_age_seconds": _age(oldest, now)}
    health.report["search"] = {"index_age_seconds": search_index_age(now)}
    if pending and (beat_age is None or beat_age > limit):
        health.ok = False
        health.problems.append(
            f"{pending} posts wait for scoring and no worker has run "
            + ("yet." if beat_age is None else f"for {int(beat_age)} seconds (limit {limit})."))
    return health
