"""Worker heartbeats: each worker loop writes "I am alive" to the database; health checks read the age.

A row per worker process (host:pid). Rows of processes gone for a week are dropped when a worker beats,
so restarts do not pile up rows.
"""
from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from forum.extensions import db
from forum.models import WorkerHeartbeat, utcnow

FORGET_AFTER = timedelta(days=7)


def beat(now: datetime | None = None) -> None:
    """Record that this process's worker loop is running (commits)."""
    now = now or utcnow()
    host, pid = socket.gethostname()[:150], os.getpid()
    name = f"{host}:{pid}"
    row = db.session.get(WorkerHeartbeat, name)
    if row is None:
        db.session.add(WorkerHeartbeat(name=name, host=host, pid=pid, last_seen=now))
        db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.last_seen < now - FORGET_AFTER))
    else:
        row.last_seen = now
    db.session.commit()


def last_seen() -> datetime | None:
    """The most recent heartbeat of any worker, or None if no worker ever ran."""
    return db.session.scalar(select(func.max(WorkerHeartbeat.last_seen)))


def age_seconds(now: datetime | None = None) -> float | None:
    """Seconds since any worker's loop last came round; None if none ever did."""
    seen = last_seen()
    if seen is None:
        return None
    return max(0.0, ((now or utcnow()) - seen).total_seconds())
