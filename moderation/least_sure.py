"""The posts the classifier is least sure about, offered to moderators for a yes/no answer per label.

The worker keeps every scored post's scores and their distance from the thresholds (ModerationScore).
A moderator's answers become LabelDecisions like any other verdict, so `moderation train
--include-decisions` learns from them: the answers near the threshold are the ones that move it.
An answer changes nothing a member sees; a "yes" puts the post in the triage queue for a decision.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import Post, User, utcnow
from moderation import audit
from moderation.actions import ActionError, check_post_action
from moderation.models import LABELS, Decision, LabelDecision, ModerationFlag, ModerationScore

MARKED_REASON = "A moderator answered yes for this label on the least-sure list"
LISTED_STATES = ("clean", "flagged")


@dataclass(frozen=True)
class Candidate:
    post: Post
    scores: dict[str, float]
    margin: float


def _answered_since_scored():
    return exists().where(LabelDecision.post_id == ModerationScore.post_id,
                          LabelDecision.moderator_id.is_not(None),
                          LabelDecision.created_at >= ModerationScore.scored_at)


def _in_queue():
    return exists().where(ModerationFlag.post_id == ModerationScore.post_id, ModerationFlag.resolved_at.is_(None))


def _candidates_query():
    return (select(ModerationScore, Post).join(Post, Post.id == ModerationScore.post_id)
            .where(Post.deleted_at.is_(None), Post.hidden_at.is_(None),
                   Post.moderation_state.in_(LISTED_STATES), ~_answered_since_scored(), ~_in_queue()))


def least_sure(limit: int = 20, offset: int = 0) -> list[Candidate]:
    """Unanswered visible posts, nearest a threshold first (then newest), none already in the queue."""
    rows = db.session.execute(
        _candidates_query().order_by(ModerationScore.margin, Post.id.desc()).limit(limit).offset(offset)
        .options(joinedload(Post.thread), joinedload(Post.author)))
    return [Candidate(post, dict(score.scores), score.margin) for score, post in rows]


def count_least_sure() -> int:
    return db.session.scalar(select(func.count()).select_from(_candidates_query().subquery())) or 0


def record_answers(actor: User, post: Post, answers: dict[str, bool], note: str = "") -> Decision:
    """Store a moderator's yes/no for every label; a yes opens a flag so the post is decided in the queue."""
    check_post_action(actor, post, decision=True)
    missing = [label for label in LABELS if label not in answers]
    if missing:
        raise ActionError(f"Answer every question: {', '.join(missing)} is missing.")
    score = db.session.get(ModerationScore, post.id)
    now = utcnow()
    decision = Decision(post_id=post.id, moderator_id=actor.id, action="label", note=note, signals=[],
                        was_held=False, appealable=False, created_at=now)
    db.session.add(decision)
    for label in LABELS:
        db.session.add(LabelDecision(
            decision=decision, post_id=post.id, moderator_id=actor.id, label=label,
            verdict="confirmed" if answers[label] else "rejected", created_at=now,
            score=score.scores.get(label) if score else None, model_version=score.model_version if score else None))
        if answers[label]:
            _open_flag(post, label, score, now)
    audit.record(actor, "label", post=post, note=note,
                 after={label: ("yes" if answers[label] else "no") for label in LABELS})
    db.session.commit()
    return decision


def _open_flag(post: Post, label: str, score: ModerationScore | None, now) -> None:
    flag = db.session.scalar(select(ModerationFlag).where(ModerationFlag.post_id == post.id,
                                                          ModerationFlag.label == label))
    if flag is None:
        flag = ModerationFlag(post_id=post.id, label=label, created_at=now, sentences=[])
        db.session.add(flag)
    flag.resolved_at, flag.outcome, flag.updated_at = None, None, now
    flag.score = float(score.scores.get(label, 0.0)) if score else 0.0
    flag.reasons = [MARKED_REASON]
    flag.model_version = score.model_version if score else "moderator"
    if post.moderation_state == "clean":
        post.moderation_state = "flagged"
