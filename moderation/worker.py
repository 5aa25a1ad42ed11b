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
    known: object | None = None      # moderation.classifier.claims.KnownLists, see refresh_known_lists
    stats: dict[str, int] = field(default_factory=lambda: {"scored": 0, "indexed": 0})


def load_model(state: WorkerState, echo: Callable[[str], None]) -> None:
    """Load the classifier; on failure say why and keep going (posts stay pending)."""
    from moderation.classifier import ModelUnavailable, load_classifier

    state.model_checked_at = time.monotonic()
    cfg = current_app.config
    try:
        state.classifier = load_classifier(
            Path(cfg["FORUM_INSTANCE_DIR"]), thresholds=cfg.get("CLASSIFIER_THRESHOLDS"),
            hold_threshold=cfg.get("CLASSIFIER_HOLD_THRESHOLD"), hold_thresholds=cfg.get("CLASSIFIER_HOLD_THRESHOLDS"),
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
        refresh_known_lists(state)
        scored = pipeline.process_batch(state.classifier, known_lists=state.known)
        state.stats["scored"] += scored
        done += scored
    done += _search_upkeep(state)
    from forum.privacy import exports, retention  # members' data exports; the daily retention purge

    done += exports.process_pending_exports() + retention.run_daily_if_due()
    from forum import backup  # the scheduled backup (off unless BACKUP_EVERY_HOURS is set)

    done += backup.run_scheduled_if_due()
    return done


def record_heartbeat() -> None:
    """Tell /healthz and /metrics this worker is alive; a database hiccup is logged, never fatal."""
    from forum import heartbeat

    try:
        heartbeat.beat()
    except Exception:  # noqa: BLE001 - the worker keeps working; health will show the stale beat
        db.session.rollback()
        log.exception("Could not record the worker heartbeat; will retry")


def refresh_known_lists(state: WorkerState, embed: Callable | None = None) -> None:
    """Rebuild the claim bank and provider list when moderators changed them (or the model was reloaded).

    Checked once per batch with two cheap aggregate queries (row counts and the latest change); the claims
    are embedded again only when something changed. If the lists cannot be built the worker says why and
    scores with the model alone. embed: tests pass a fake; the worker uses the classifier's claims encoder
    (the packaged MiniLM as it is: the fine-tuned one places every sentence on a label's topic near each
    other, so similarity to a claim stops meaning "says the same thing"), else its encoder.
    """
    from moderation import known
    from moderation.classifier.claims import DEFAULT_THRESHOLD, ClaimBank, KnownLists, ProviderList, encoder_embed

    encoder = getattr(state.classifier, "claims_encoder", None) or getattr(state.classifier, "encoder", None)
    source = id(embed) if embed is not None else id(encoder)
    try:
        signature = known.signature()
        current = state.known
        if current is not None and current.signature == signature and current.encoder_id == source:
            return
        claims, providers = known.matcher_entries()
        if embed is None and encoder is not None:
            embed = encoder_embed(encoder)
        threshold = current_app.config.get("KNOWN_CLAIM_THRESHOLD") or DEFAULT_THRESHOLD
        bank = ClaimBank(claims, embed, threshold) if claims and embed is not None else None
        state.known = KnownLists(bank, ProviderList(providers), signature, source)
        db.session.rollback()   # end the read transaction before the batch claims its posts
        log.info("Known lists loaded: %d claims, %d providers", len(claims), len(providers))
    except Exception:  # noqa: BLE001 - the worker keeps scoring with the model alone and retries next batch
        db.session.rollback()
        state.known = None
        log.exception("Known claims/providers could not be loaded; scoring with the model alone")


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
            record_heartbeat()
            done = run_once(state)
        finally:
            db.session.remove()
        if done:
            continue
        if once:
            return state
        time.sleep(poll)
