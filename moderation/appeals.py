"""Appeals: the author of a hidden or held post asks for a second look, once per decision.

The decision appealed is the latest one on the post: a moderator's hide, an automatic hide after
member reports, or the classifier's hold (recorded as a 'hold' decision when first appealed).
A decision taken on an appeal is final; its outcome is notified to the author by actions.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.models import Post, User, utcnow
from moderation.actions import latest_decision, open_signals
from moderation.models import Appeal, Decision


class AppealError(ValueError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class AppealState:
    """What the author sees under their hidden or held post."""

    can_appeal: bool
    appeal: Appeal | None = None
    final: bool = False


def _needs_notice(post: Post) -> bool:
    return post.deleted_at is None and (post.hidden_at is not None or post.moderation_state == "held")


def _current_decision(post: Post) -> Decision | None:
    """The decision that keeps the post out of view now (None: a hold not yet recorded)."""
    decision = latest_decision(post.id)
    if post.hidden_at is not None:
        return decision if decision is not None and decision.action in ("hide", "auto_hide") else None
    if post.moderation_state == "held" and decision is not None and decision.action == "hold":
        return decision
    return None


def _appeal_for(decision: Decision | None) -> Appeal | None:
    if decision is None:
        return None
    return db.session.scalar(select(Appeal).where(Appeal.decision_id == decision.id))


def state_for(post: Post, viewer) -> AppealState | None:
    if not getattr(viewer, "is_authenticated", False) or viewer.id != post.author_id or not _needs_notice(post):
        return None
    decision = _current_decision(post)
    appeal = _appeal_for(decision)
    if appeal is not None:
        return AppealState(False, appeal)
    if decision is not None and not decision.appealable:
        return AppealState(False, None, final=True)
    if post.hidden_at is not None and decision is None:
        return AppealState(False)
    return AppealState(True)


def submit(author: User, post: Post, text: str) -> Appeal:
    if post.author_id != author.id:
        raise AppealError("Only the author of a post can appeal a decision about it.", 403)
    if not _needs_notice(post):
        raise AppealError("This post is not hidden or held, so there is nothing to appeal.", 409)
    text = (text or "").strip()
    limit = current_app.config["APPEAL_MAX_LENGTH"]
    if not text:
        raise AppealError("Say in a few words why the decision should change.")
    if len(text) > limit:
        raise AppealError(f"The appeal is {len(text)} characters long; the limit is {limit}.")
    decision = _current_decision(post)
    if decision is None:
        if post.hidden_at is not None:
            raise AppealError("There is no decision on record to appeal; contact the moderators.", 409)
        decision = Decision(post_id=post.id, moderator_id=None, action="hold", note="Held by the classifier.",
                            signals=open_signals(post).reasons, was_held=True, appealable=True,
                            created_at=post.moderated_at or utcnow())
        db.session.add(decision)
        db.session.flush()
    if not decision.appealable:
        raise AppealError("This decision was made on your appeal and is final.", 409)
    if _appeal_for(decision) is not None:
        raise AppealError("You already appealed this decision; a moderator will answer it.", 409)
    appeal = Appeal(decision_id=decision.id, post_id=post.id, author_id=author.id, text=text, created_at=utcnow())
    db.session.add(appeal)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise AppealError("You already appealed this decision; a moderator will answer it.", 409) from exc
    return appeal
