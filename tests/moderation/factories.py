"""Build signals directly, the way the worker and members would."""
from __future__ import annotations

from datetime import datetime, timedelta

from forum.extensions import db
from forum.models import Post, utcnow
from moderation.models import ModerationFlag


def flag(post: Post, label: str = "clinic_promotion", score: float = 0.9, when: datetime | None = None,
         model_version: str = "test-1", state: str | None = "flagged", sentences=None, reasons=None) -> ModerationFlag:
    when = when or utcnow()
    row = ModerationFlag(
        post_id=post.id, label=label, score=score, model_version=model_version, created_at=when, updated_at=when,
        reasons=reasons if reasons is not None else ["mentions a named clinic", "promises a cure"],
        sentences=sentences if sentences is not None else [
            {"text": "Go to the Sunrise clinic in Cancun.", "scores": {label: score}},
            {"text": "Their stem cells cure MS for good.", "scores": {label: round(score - 0.1, 2)}},
        ],
    )
    db.session.add(row)
    if state:
        post.moderation_state = state
        post.moderated_at = when
    db.session.commit()
    return row


def hold(post: Post, when: datetime | None = None) -> Post:
    post.moderation_state = "held"
    post.moderated_at = when or utcnow()
    db.session.commit()
    return post


def ago(**kwargs) -> datetime:
    return utcnow() - timedelta(**kwargs)
