"""The background worker: pending posts -> classify -> flag/hold; search index upkeep.

Runs beside the web server (`make run`) as `flask --app wsgi moderation worker`. It never
holds work in memory between loops: everything it needs to do is read from the database,
so a killed worker loses nothing.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from flask import current_app

from forum.extensions import db
from moderation import pipeline

log = logging.getLogger("forum.worker")
MODEL_RETRY_SECONDS = 60


@dataclass
class WorkerState:
    classifier: object | None = None
    model_error: str | None = None
    model_checked_at: float = 0.0
    stats: dict[str, int] = field(default_factory=lambda: {"scored": 0, "indexed": 0})


def load_model(state: WorkerState, echo: Callable[[str], None]) -> None:
    """Load the classifier; on failure say why and keep going (posts stay pending)."""
    from moderation.classifier import ModelUnavailable, load_classifier

    state.model_checked_at = time.monotonic()
    cfg = current_app.config
    try:
        state.classifier = load_classifier(
            Path(cfg["FORUM_INSTANCE_DIR"]), thresholds=cfg.get("CLASSIFIER_THRESHOLDS"),
            hold_threshold=cfg.get("CLASSIFIER_HOLD_THRESHOLD"),
        )
        state.model_error = None
        echo(f"Classifier {state.classifier.version} loaded.")
    except ModelUnavailable as exc:
        state.classifier, state.model_error = None, str(exc)
        echo(f"Classifier unavailable: {exc}. Posts stay pending until a model is trained "
             "(flask --app wsgi moderation train).")


def run_once(state: WorkerState) -> int:
    """One pass over every kind of work; returns how much was done."""
    done = 0
    if state.classifier is not None:
        scored = pipeline.process_batch(state.classifier)
        state.stats["scored"] += scored
        done += scored
    done += _search_upkeep(state)
    from forum.privacy import exports, retention  # members' data exports; the daily retention purge

    done += exports.process_pending_exports() + retention.run_daily_if_due()
    return done


def _search_upkeep(state: WorkerState) -> int:
    from forum import search

    try:
        search.ensure_index()
        indexed = search.sync_dirty_posts()
    except Exception:  # noqa: BLE001 - the worker must survive a broken index and retry
        db.session.rollback()
        log.exception("Search index upkeep failed; will retry")
        return 0
    state.stats["indexed"] += indexed
    return indexed


def run(once: bool = False, echo: Callable[[str], None] = print) -> WorkerState:
    """Loop until stopped; with once=True, stop when nothing is left to do."""
    state = WorkerState()
    load_model(state, echo)
    poll = current_app.config["WORKER_POLL_SECONDS"]
    while True:
        if state.classifier is None and time.monotonic() - state.model_checked_at > MODEL_RETRY_SECONDS:
            load_model(state, echo)
        try:
            done = run_once(state)
        finally:
            db.session.remove()
        if done:
            continue
        if once:
            return state
        time.sleep(poll)
