"""Moderation's gauges on /metrics: the open review queue and flags per label."""
from __future__ import annotations

from typing import Iterable

from flask import Flask
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select

from forum import metrics


def moderation_gauges() -> Iterable[Metric]:
    from forum.extensions import db
    from moderation import queue
    from moderation.models import ModerationFlag

    open_queue = GaugeMetricFamily("forum_moderation_queue_open", "Items waiting in the moderators' queue")
    open_queue.add_metric([], queue.count(queue.QueueFilter()))
    yield open_queue
    flags = GaugeMetricFamily("forum_moderation_flags", "Classifier flags by label, open or resolved",
                              labels=["label", "state"])
    rows = db.session.execute(select(ModerationFlag.label, ModerationFlag.resolved_at.is_(None), func.count())
                              .group_by(ModerationFlag.label, ModerationFlag.resolved_at.is_(None)))
    for label, is_open, count in rows:
        flags.add_metric([label, "open" if is_open else "resolved"], count)
    yield flags


def register(app: Flask) -> None:
    metrics.add_provider(app, moderation_gauges)
