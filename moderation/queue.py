"""Review items: one per post, every signal about it merged, in priority order.

An item is open while its post (not deleted) has an unresolved classifier flag, an open member
report, an open appeal, or is held. Like Discourse's reviewables, each signal adds to one score:

    priority = highest open label score (0..1) + REPORT_WEIGHT x distinct open reporters
               + APPEAL_WEIGHT if an appeal is open

then held posts before published ones, then the oldest waiting signal first. Resolved items
(posts with decisions and nothing open) are listed newest decision first.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.markup import plain_text
from forum.models import Category, Post, Thread, User
from moderation.models import LABELS, Appeal, Decision, LabelDecision, ModerationFlag, Report

REASONS = ("clinic_promotion", "misinformation", "report", "held", "appeal")
REASON_NAMES = {
    "clinic_promotion": "Clinic promotion",
    "misinformation": "Misinformation",
    "report": "Reported by members",
    "held": "Held for approval",
    "appeal": "Appeal",
}
STATES = ("open", "resolved")
REPORT_WEIGHT = 0.5
APPEAL_WEIGHT = 0.5


@dataclass(frozen=True)
class QueueFilter:
    reason: str | None = None
    category: str | None = None  # category slug
    state: str = "open"


def _weights() -> tuple[float, float]:
    config = current_app.config
    return (float(config.get("MODERATION_REPORT_WEIGHT", REPORT_WEIGHT)),
            float(config.get("MODERATION_APPEAL_WEIGHT", APPEAL_WEIGHT)))


def _least(*columns):
    """Smallest non-null value, the same on SQLite and PostgreSQL."""
    result = columns[0]
    for column in columns[1:]:
        result = case((result.is_(None), column), (column.is_(None), result), (column < result, column), else_=result)
    return result


def _signal_subqueries():
    flags = (select(ModerationFlag.post_id.label("post_id"), func.max(ModerationFlag.score).label("max_score"),
                    func.min(ModerationFlag.created_at).label("since"))
             .where(ModerationFlag.resolved_at.is_(None)).group_by(ModerationFlag.post_id).subquery("open_flags"))
    reports = (select(Report.post_id.label("post_id"), func.count(func.distinct(Report.reporter_id)).label("n"),
                      func.min(Report.created_at).label("since"))
               .where(Report.resolved_at.is_(None)).group_by(Report.post_id).subquery("open_reports"))
    appeals = (select(Appeal.post_id.label("post_id"), func.count(Appeal.id).label("n"),
                      func.min(Appeal.created_at).label("since"))
               .where(Appeal.status == "open").group_by(Appeal.post_id).subquery("open_appeals"))
    return flags, reports, appeals


def _open_query(f: QueueFilter):
    flags, reports, appeals = _signal_subqueries()
    report_weight, appeal_weight = _weights()
    held = Post.moderation_state == "held"
    priority = (func.coalesce(flags.c.max_score, 0.0)
                + func.coalesce(reports.c.n, 0) * literal(report_weight)
                + case((appeals.c.post_id.is_not(None), literal(appeal_weight)), else_=literal(0.0)))
    since = _least(flags.c.since, reports.c.since, appeals.c.since,
                   case((held, func.coalesce(Post.moderated_at, Post.created_at)), else_=None))
    query = (
        select(Post.id)
        .join(Thread, Thread.id == Post.thread_id)
        .outerjoin(flags, flags.c.post_id == Post.id)
        .outerjoin(reports, reports.c.post_id == Post.id)
        .outerjoin(appeals, appeals.c.post_id == Post.id)
        .where(Post.deleted_at.is_(None),
               or_(flags.c.post_id.is_not(None), reports.c.post_id.is_not(None), appeals.c.post_id.is_not(None), held))
    )
    if f.reason in LABELS:
        query = query.where(exists().where(ModerationFlag.post_id == Post.id, ModerationFlag.label == f.reason,
                                           ModerationFlag.resolved_at.is_(None)))
    elif f.reason == "report":
        query = query.where(reports.c.post_id.is_not(None))
    elif f.reason == "appeal":
        query = query.where(appeals.c.post_id.is_not(None))
    elif f.reason == "held":
        query = query.where(held)
    order = (priority.desc(), case((held, 0), else_=1), since.asc(), Post.id.asc())
    return query, order


def _resolved_query(f: QueueFilter):
    open_ids = _open_query(QueueFilter())[0].subquery()
    last_decision = (select(Decision.post_id.label("post_id"), func.max(Decision.created_at).label("at"))
                     .where(Decision.moderator_id.is_not(None)).group_by(Decision.post_id).subquery("last_decision"))
    query = (select(Post.id).join(Thread, Thread.id == Post.thread_id)
             .join(last_decision, last_decision.c.post_id == Post.id)
             .where(Post.id.not_in(select(open_ids.c.id))))
    if f.reason in LABELS:
        query = query.where(exists().where(ModerationFlag.post_id == Post.id, ModerationFlag.label == f.reason))
    elif f.reason == "report":
        query = query.where(exists().where(Report.post_id == Post.id))
    elif f.reason == "appeal":
        query = query.where(exists().where(Appeal.post_id == Post.id))
    elif f.reason == "held":
        query = query.where(exists().where(Decision.post_id == Post.id, Decision.was_held.is_(True)))
    return query, (last_decision.c.at.desc(), Post.id.desc())


def _query(f: QueueFilter):
    query, order = _open_query(f) if f.state == "open" else _resolved_query(f)
    if f.category:
        query = query.join(Category, Category.id == Thread.category_id).where(Category.slug == f.category)
    return query, order


def count(f: QueueFilter) -> int:
    query, _ = _query(f)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def post_ids(f: QueueFilter, offset: int, limit: int) -> list[int]:
    query, order = _query(f)
    return list(db.session.scalars(query.order_by(*order).offset(offset).limit(limit)))


def open_counts_by_reason() -> dict[str, int]:
    counts = {reason: count(QueueFilter(reason=reason)) for reason in REASONS}
    counts["all"] = count(QueueFilter())
    return counts


# ---- what a moderator reads on each item ----

@dataclass
class Segment:
    text: str
    scores: dict[str, float] | None = None  # set: a sentence the classifier weighed


@dataclass
class AuthorHistory:
    user: User
    post_count: int
    earlier_flags: int
    confirmed: int
    rejected: int
    decisions: dict[str, int]
    reports_against: int


@dataclass
class Item:
    post: Post
    flags: list[ModerationFlag]
    reports: list[Report]
    appeals: list[Appeal]
    held: bool
    priority: float
    segments: list[Segment]
    unmatched: list[dict]
    neighbours: list[Post]
    history: AuthorHistory
    decisions: list[Decision] = field(default_factory=list)
    seen: int = 0  # id of the latest decision when the page was built

    @property
    def reasons(self) -> list[str]:
        out = [f.label for f in self.open_flags]
        if self.open_reports:
            out.append("report")
        if self.held:
            out.append("held")
        if self.open_appeals:
            out.append("appeal")
        return out

    @property
    def open_flags(self) -> list[ModerationFlag]:
        return [f for f in self.flags if f.resolved_at is None]

    @property
    def open_reports(self) -> list[Report]:
        return [r for r in self.reports if r.resolved_at is None]

    @property
    def open_appeals(self) -> list[Appeal]:
        return [a for a in self.appeals if a.status == "open"]

    @property
    def is_open(self) -> bool:
        return self.post.deleted_at is None and bool(self.reasons)

    @property
    def model_versions(self) -> list[str]:
        return sorted({f.model_version for f in self.flags})

    @property
    def report_reasons(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for report in self.open_reports:
            counts[report.reason] += 1
        return dict(counts)

    def suggested_reason(self) -> str:
        from moderation.models import HIDE_REASONS

        if self.open_flags:
            return max(self.open_flags, key=lambda f: f.score).label
        reasons = [r.reason for r in self.open_reports if r.reason in HIDE_REASONS]
        return max(set(reasons), key=reasons.count) if reasons else "other"


def highlight(text: str, flags: list[ModerationFlag]) -> tuple[list[Segment], list[dict]]:
    """Split the post's plain text into segments, marking the sentences the classifier scored.

    Returns the segments and the scored sentences that could not be found in the text (shown apart).
    Nothing here is HTML: templates escape every segment.
    """
    sentences: dict[str, dict[str, float]] = {}
    for flag in flags:
        for sentence in flag.sentences or []:
            if not isinstance(sentence, dict) or not str(sentence.get("text", "")).strip():
                continue
            scores = sentence.get("scores") or {}
            merged = sentences.setdefault(str(sentence["text"]).strip(), {})
            for label, score in scores.items() if isinstance(scores, dict) else []:
                try:
                    merged[label] = max(merged.get(label, 0.0), float(score))
                except (TypeError, ValueError):
                    continue
    spans: list[tuple[int, int, dict]] = []
    unmatched = []
    lowered = text.lower()
    for sentence, scores in sorted(sentences.items(), key=lambda kv: -len(kv[0])):
        start = lowered.find(" ".join(sentence.split()).lower())
        if start < 0:
            unmatched.append({"text": sentence, "scores": scores})
            continue
        end = start + len(" ".join(sentence.split()))
        if any(s < end and start < e for s, e, _ in spans):
            continue
        spans.append((start, end, scores))
    segments, cursor = [], 0
    for start, end, scores in sorted(spans):
        if start > cursor:
            segments.append(Segment(text[cursor:start]))
        segments.append(Segment(text[start:end], scores))
        cursor = end
    if cursor < len(text):
        segments.append(Segment(text[cursor:]))
    return segments, unmatched


def author_histories(author_ids: list[int], exclude_post_ids: set[int]) -> dict[int, dict]:
    if not author_ids:
        return {}
    post_counts = dict(db.session.execute(
        select(Post.author_id, func.count(Post.id)).where(Post.author_id.in_(author_ids), Post.deleted_at.is_(None))
        .group_by(Post.author_id)).all())
    flags = db.session.execute(
        select(Post.author_id, ModerationFlag.post_id, ModerationFlag.outcome)
        .join(Post, Post.id == ModerationFlag.post_id)
        .where(Post.author_id.in_(author_ids))).all()
    decisions = db.session.execute(
        select(Post.author_id, Decision.action, func.count(Decision.id)).join(Post, Post.id == Decision.post_id)
        .where(Post.author_id.in_(author_ids), Decision.action.in_(("approve", "hide", "restore", "auto_hide")))
        .group_by(Post.author_id, Decision.action)).all()
    reports = dict(db.session.execute(
        select(Post.author_id, func.count(Report.id)).join(Post, Post.id == Report.post_id)
        .where(Post.author_id.in_(author_ids), Report.post_id.not_in(list(exclude_post_ids) or [0]))
        .group_by(Post.author_id)).all())
    out: dict[int, dict] = {a: {"post_count": post_counts.get(a, 0), "earlier_flags": 0, "confirmed": 0,
                                "rejected": 0, "decisions": {}, "reports_against": reports.get(a, 0)}
                            for a in author_ids}
    for author_id, post_id, outcome in flags:
        row = out[author_id]
        if post_id not in exclude_post_ids:
            row["earlier_flags"] += 1
        if outcome == "confirmed":
            row["confirmed"] += 1
        elif outcome == "rejected":
            row["rejected"] += 1
    for author_id, action, n in decisions:
        out[author_id]["decisions"][action] = n
    return out


def neighbours(posts: list[Post]) -> dict[int, list[Post]]:
    """The post before and after each post in its thread (deleted ones included, marked)."""
    if not posts:
        return {}
    wanted = or_(*[and_(Post.thread_id == p.thread_id, Post.number.in_((p.number - 1, p.number + 1))) for p in posts])
    rows = list(db.session.scalars(select(Post).options(joinedload(Post.author)).where(wanted)))
    by_key = {(p.thread_id, p.number): p for p in rows}
    return {p.id: [n for n in (by_key.get((p.thread_id, p.number - 1)), by_key.get((p.thread_id, p.number + 1))) if n]
            for p in posts}


def build_items(ids: list[int]) -> list[Item]:
    """Everything the queue shows for these posts, in a handful of queries, in the given order."""
    if not ids:
        return []
    posts = {p.id: p for p in db.session.scalars(
        select(Post).options(joinedload(Post.thread).joinedload(Thread.category), joinedload(Post.author))
        .where(Post.id.in_(ids)))}
    flags: dict[int, list[ModerationFlag]] = defaultdict(list)
    for flag in db.session.scalars(select(ModerationFlag).where(ModerationFlag.post_id.in_(ids))
                                   .order_by(ModerationFlag.score.desc())):
        flags[flag.post_id].append(flag)
    reports: dict[int, list[Report]] = defaultdict(list)
    for report in db.session.scalars(select(Report).options(joinedload(Report.reporter))
                                     .where(Report.post_id.in_(ids)).order_by(Report.created_at)):
        reports[report.post_id].append(report)
    appeals: dict[int, list[Appeal]] = defaultdict(list)
    for appeal in db.session.scalars(select(Appeal).where(Appeal.post_id.in_(ids)).order_by(Appeal.created_at)):
        appeals[appeal.post_id].append(appeal)
    decisions: dict[int, list[Decision]] = defaultdict(list)
    for decision in db.session.scalars(select(Decision).options(joinedload(Decision.moderator))
                                       .where(Decision.post_id.in_(ids))
                                       .order_by(Decision.created_at.desc(), Decision.id.desc())):
        decisions[decision.post_id].append(decision)
    present = [posts[i] for i in ids if i in posts]
    near = neighbours(present)
    histories = author_histories(list({p.author_id for p in present}), set(ids))
    report_weight, appeal_weight = _weights()
    items = []
    for post in present:
        post_flags = flags.get(post.id, [])
        open_flags = [f for f in post_flags if f.resolved_at is None]
        segments, unmatched = highlight(plain_text(post.body_html), post_flags)
        open_reporters = {r.reporter_id for r in reports.get(post.id, []) if r.resolved_at is None}
        has_appeal = any(a.status == "open" for a in appeals.get(post.id, []))
        priority = (max((f.score for f in open_flags), default=0.0) + report_weight * len(open_reporters)
                    + (appeal_weight if has_appeal else 0.0))
        h = histories[post.author_id]
        post_decisions = decisions.get(post.id, [])
        items.append(Item(
            post=post, flags=post_flags, reports=reports.get(post.id, []), appeals=appeals.get(post.id, []),
            held=post.moderation_state == "held" and post.deleted_at is None, priority=round(priority, 3),
            segments=segments, unmatched=unmatched, neighbours=near.get(post.id, []),
            history=AuthorHistory(post.author, h["post_count"], h["earlier_flags"], h["confirmed"], h["rejected"],
                                  h["decisions"], h["reports_against"]),
            decisions=post_decisions, seen=post_decisions[0].id if post_decisions else 0,
        ))
    return items


def item_for(post_id: int) -> Item | None:
    items = build_items([post_id])
    return items[0] if items else None


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def label_history(post_id: int) -> list[LabelDecision]:
    return list(db.session.scalars(select(LabelDecision).where(LabelDecision.post_id == post_id)
                                   .order_by(LabelDecision.created_at.desc(), LabelDecision.id.desc())))


def describe(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y %H:%M")
    return str(value)
