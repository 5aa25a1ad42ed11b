"""Moderation records: classifier flags, member reports, decisions, appeals and the audit log.

The review queue is not a table of its own: a review item is a post with open signals
(an unresolved flag, an open report, an open appeal, or the post being held), so the
worker only has to write flags and set the post state for an item to appear.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from forum.extensions import db
from forum.models import Post, User, utcnow

LABELS = ("clinic_promotion", "misinformation")
LABEL_NAMES = {"clinic_promotion": "Clinic or product promotion", "misinformation": "Medical misinformation"}

REPORT_REASONS = {
    "clinic_promotion": "Promotes a clinic or product",
    "misinformation": "Medical misinformation",
    "abusive": "Abusive",
    "spam": "Spam",
    "other": "Something else",
}
# A member's report reason that names a classifier label counts as a vote for that label.
REPORT_REASON_LABEL = {"clinic_promotion": "clinic_promotion", "misinformation": "misinformation"}

# Reasons shown to the author of a hidden post.
HIDE_REASONS = {
    "clinic_promotion": "Promotes an unproven clinic, treatment or product",
    "misinformation": "Medical misinformation that could harm someone",
    "abusive": "Abusive or personal attack",
    "spam": "Spam",
    "other": "Breaks the forum rules",
}

# The same reasons, short enough for a moderator's drop-down on a phone; the author reads HIDE_REASONS.
HIDE_REASON_CHOICES = {
    "clinic_promotion": "Unproven clinic or product",
    "misinformation": "Harmful misinformation",
    "abusive": "Abusive or personal",
    "spam": "Spam",
    "other": "Breaks the forum rules",
}

DECISION_ACTIONS = ("approve", "hide", "restore", "auto_hide", "hold", "label")  # label: answers only, no change
VERDICTS = ("confirmed", "rejected")
APPEAL_STATES = ("open", "granted", "denied")


class ModerationFlag(db.Model):
    """One label over threshold on one post, with the reasons a moderator reads."""

    __tablename__ = "moderation_flags"
    __table_args__ = (UniqueConstraint("post_id", "label", name="uq_flags_post_label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    label: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    sentences: Mapped[list] = mapped_column(JSON, default=list)
    model_version: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    outcome: Mapped[Optional[str]] = mapped_column(String(20))

    post: Mapped[Post] = relationship()


class ModerationScore(db.Model):
    """The classifier's latest scores for one post, flagged or not: what "least sure" is sorted by.

    margin is the distance of the nearest label's score from that label's threshold, so the posts the
    model could most easily have got wrong come first.
    """

    __tablename__ = "moderation_scores"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    margin: Mapped[float] = mapped_column(Float, index=True)
    model_version: Mapped[str] = mapped_column(String(80))
    scored_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    post: Mapped[Post] = relationship()


class Report(db.Model):
    """A member telling moderators about a post: once per member per post."""

    __tablename__ = "moderation_reports"
    __table_args__ = (
        UniqueConstraint("post_id", "reporter_id", name="uq_reports_once"),
        Index("ix_moderation_reports_open", "post_id", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    resolved_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    outcome: Mapped[Optional[str]] = mapped_column(String(20))  # upheld | dismissed
    decision_id: Mapped[Optional[int]] = mapped_column(ForeignKey("moderation_decisions.id"))

    post: Mapped[Post] = relationship()
    reporter: Mapped[User] = relationship()
    decision: Mapped[Optional["Decision"]] = relationship()


class Decision(db.Model):
    """A decision about a post: a moderator's approve/hide/restore, an automatic hide or a hold.

    The author may appeal a decision that hid or held their post once (``appealable``);
    a decision taken on an appeal is final.
    """

    __tablename__ = "moderation_decisions"
    __table_args__ = (Index("ix_moderation_decisions_post", "post_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    moderator_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[Optional[str]] = mapped_column(String(30))  # key of HIDE_REASONS for hides
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    signals: Mapped[list] = mapped_column(JSON, default=list)  # open reasons when decided
    was_held: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    appealable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    post: Mapped[Post] = relationship()
    moderator: Mapped[Optional[User]] = relationship()


class LabelDecision(db.Model):
    """A moderator's verdict on one label of one post: a training label and a precision count."""

    __tablename__ = "moderation_label_decisions"
    __table_args__ = (Index("ix_label_decisions_post_label", "post_id", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("moderation_decisions.id"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    flag_id: Mapped[Optional[int]] = mapped_column(ForeignKey("moderation_flags.id"), index=True)
    moderator_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    label: Mapped[str] = mapped_column(String(40))
    verdict: Mapped[str] = mapped_column(String(20))  # confirmed | rejected
    score: Mapped[Optional[float]] = mapped_column(Float)
    model_version: Mapped[Optional[str]] = mapped_column(String(80))
    flagged_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    decision: Mapped[Decision] = relationship()


class Appeal(db.Model):
    """The author asking for a second look at a decision: once per decision."""

    __tablename__ = "moderation_appeals"
    __table_args__ = (
        UniqueConstraint("decision_id", name="uq_appeals_once_per_decision"),
        Index("ix_moderation_appeals_open", "post_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("moderation_decisions.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    resolved_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    resolver_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    outcome_decision_id: Mapped[Optional[int]] = mapped_column(ForeignKey("moderation_decisions.id"))

    decision: Mapped[Decision] = relationship(foreign_keys=[decision_id])
    outcome_decision: Mapped[Optional[Decision]] = relationship(foreign_keys=[outcome_decision_id])
    post: Mapped[Post] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    resolver: Mapped[Optional[User]] = relationship(foreign_keys=[resolver_id])


class AuditEntry(db.Model):
    """Append-only: who did what, when, to which post or member, with the state before and after.

    The application never updates or deletes these rows (guarded below and, on PostgreSQL,
    by a trigger in the migration).
    """

    __tablename__ = "moderation_audit"
    __table_args__ = (Index("ix_moderation_audit_post", "post_id"), Index("ix_moderation_audit_user", "target_user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)  # None: the system
    actor_role: Mapped[str] = mapped_column(String(16), default="system", server_default="system")
    action: Mapped[str] = mapped_column(String(40), index=True)
    post_id: Mapped[Optional[int]] = mapped_column(ForeignKey("posts.id"))
    target_user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[Optional[User]] = relationship(foreign_keys=[actor_id])
    target_user: Mapped[Optional[User]] = relationship(foreign_keys=[target_user_id])
    post: Mapped[Optional[Post]] = relationship()


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _audit_rows_never_change(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("The moderation audit log is append-only.")


@event.listens_for(Session, "do_orm_execute")
def _audit_no_bulk_changes(orm_execute_state) -> None:
    if (orm_execute_state.is_update or orm_execute_state.is_delete) and any(
            mapper.class_ is AuditEntry for mapper in orm_execute_state.all_mappers):
        raise AuditLogIsAppendOnly("The moderation audit log is append-only.")


PROVIDER_KINDS = {"clinic": "Clinic", "broker": "Broker or medical-tourism agent", "practitioner": "Practitioner"}


class KnownClaim(db.Model):
    """A false claim moderators keep in the claim bank, with the page that answers it.

    Retired claims stay (with who retired them and when) so they can be restored; the worker matches
    active ones only. updated_at changes on every change, so the worker notices edits cheaply.
    """

    __tablename__ = "known_claims"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim: Mapped[str] = mapped_column(Text)
    paraphrases: Mapped[str] = mapped_column(Text, default="", server_default="")  # one wording a line
    evidence_url: Mapped[str] = mapped_column(String(500))
    evidence_title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"), index=True)
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))  # None: seeded by the system
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    retired_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    retired_at: Mapped[Optional[datetime]] = mapped_column(DateTime)

    creator: Mapped[Optional[User]] = relationship(foreign_keys=[created_by])
    retirer: Mapped[Optional[User]] = relationship(foreign_keys=[retired_by])

    @property
    def paraphrase_list(self) -> list[str]:
        return [line.strip() for line in (self.paraphrases or "").splitlines() if line.strip()]


class KnownProvider(db.Model):
    """A clinic, broker or practitioner that promotes unproven MS treatments: domains and phone prefixes."""

    __tablename__ = "known_providers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # a key of PROVIDER_KINDS
    domains: Mapped[str] = mapped_column(Text, default="", server_default="")         # one a line
    phone_prefixes: Mapped[str] = mapped_column(Text, default="", server_default="")  # one a line
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"), index=True)
    created_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    retired_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    retired_at: Mapped[Optional[datetime]] = mapped_column(DateTime)

    creator: Mapped[Optional[User]] = relationship(foreign_keys=[created_by])
    retirer: Mapped[Optional[User]] = relationship(foreign_keys=[retired_by])

    @property
    def domain_list(self) -> list[str]:
        return [line.strip() for line in (self.domains or "").splitlines() if line.strip()]

    @property
    def prefix_list(self) -> list[str]:
        return [line.strip() for line in (self.phone_prefixes or "").splitlines() if line.strip()]
