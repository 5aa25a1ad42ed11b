"""Numbers for moderators (the dashboard) and for everyone (the transparency page).

Timestamps are bucketed in Python so SQLite and PostgreSQL give the same answers; the
volumes (flags, decisions per month) are small enough for that.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from forum.extensions import db
from forum.models import utcnow
from moderation import queue
from moderation.models import LABELS, Appeal, Decision, LabelDecision, ModerationFlag, Report


@dataclass
class LabelStats:
    label: str
    confirmed: int          # classifier flags whose latest verdict is confirmed
    rejected: int
    decisions_30d: int      # label decisions (flagged or not) in the last 30 days
    confirmed_unflagged: int  # moderators confirmed the label on a post the classifier did not flag

    @property
    def decided(self) -> int:
        return self.confirmed + self.rejected

    @property
    def precision(self) -> float | None:
        return self.confirmed / self.decided if self.decided else None


def label_stats(now: datetime | None = None) -> list[LabelStats]:
    now = now or utcnow()
    rows = list(db.session.execute(select(LabelDecision.flag_id, LabelDecision.post_id, LabelDecision.label,
                                          LabelDecision.verdict, LabelDecision.created_at)
                                   .order_by(LabelDecision.created_at, LabelDecision.id)))
    latest_per_flag: dict[int, tuple[str, str]] = {}
    latest_unflagged: dict[tuple[int, str], str] = {}
    recent: Counter = Counter()
    for flag_id, post_id, label, verdict, created_at in rows:
        if flag_id is not None:
            latest_per_flag[flag_id] = (label, verdict)
        else:
            latest_unflagged[(post_id, label)] = verdict
        if created_at >= now - timedelta(days=30):
            recent[label] += 1
    out = []
    for label in LABELS:
        verdicts = Counter(v for lab, v in latest_per_flag.values() if lab == label)
        unflagged = sum(1 for (_, lab), v in latest_unflagged.items() if lab == label and v == "confirmed")
        out.append(LabelStats(label, verdicts["confirmed"], verdicts["rejected"], recent[label], unflagged))
    return out


def median_hours_to_decision(days: int = 30, now: datetime | None = None) -> tuple[float | None, int]:
    """Median hours from a classifier flag to the moderator's verdict on it, for verdicts in the window."""
    now = now or utcnow()
    rows = db.session.execute(select(LabelDecision.flagged_at, LabelDecision.created_at).where(
        LabelDecision.flag_id.is_not(None), LabelDecision.flagged_at.is_not(None),
        LabelDecision.moderator_id.is_not(None), LabelDecision.created_at >= now - timedelta(days=days)))
    hours = [max(0.0, (decided - flagged).total_seconds() / 3600) for flagged, decided in rows]
    return (statistics.median(hours) if hours else None), len(hours)


def flags_per_day(days: int = 90, today: date | None = None) -> list[tuple[date, dict[str, int]]]:
    """Classifier flags raised per day and label over the last ``days`` days, oldest first, zeros included."""
    today = today or utcnow().date()
    start = today - timedelta(days=days - 1)
    counts: dict[date, Counter] = defaultdict(Counter)
    for created_at, label in db.session.execute(select(ModerationFlag.created_at, ModerationFlag.label).where(
            ModerationFlag.created_at >= datetime.combine(start, datetime.min.time()))):
        counts[created_at.date()][label] += 1
    return [(start + timedelta(days=i), {label: counts[start + timedelta(days=i)][label] for label in LABELS})
            for i in range(days)]


@dataclass
class Dashboard:
    open_by_reason: dict[str, int]
    median_hours: float | None
    median_sample: int
    labels: list[LabelStats]
    per_day: list[tuple[date, dict[str, int]]]
    decisions_30d: dict[str, int]


def dashboard(now: datetime | None = None) -> Dashboard:
    now = now or utcnow()
    median, sample = median_hours_to_decision(30, now)
    decisions = Counter(db.session.scalars(select(Decision.action).where(
        Decision.created_at >= now - timedelta(days=30), Decision.moderator_id.is_not(None))))
    return Dashboard(queue.open_counts_by_reason(), median, sample, label_stats(now), flags_per_day(90, now.date()),
                     dict(decisions))


# ---- public transparency numbers ----

@dataclass
class MonthRow:
    month: date
    flagged: dict[str, int]       # posts flagged by the classifier, per label
    reported: int                 # posts reported by members
    reports_by_reason: dict[str, int]
    hidden: int                   # posts hidden (by moderators or by member reports)
    hidden_by_label: dict[str, int]  # posts hidden with the label confirmed
    restored_on_appeal: int
    appeals: int

    @property
    def has_activity(self) -> bool:
        return bool(sum(self.flagged.values()) or self.reported or self.hidden or self.appeals
                    or self.restored_on_appeal)


def active_months(rows: list[MonthRow]) -> list[MonthRow]:
    """The months worth a row on the transparency page: those with any moderation at all."""
    return [row for row in rows if row.has_activity]


def _month(value: datetime) -> date:
    return date(value.year, value.month, 1)


def _months_back(today: date, months: int) -> list[date]:
    out, year, month = [], today.year, today.month
    for _ in range(months):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def transparency(months: int = 12, today: date | None = None) -> list[MonthRow]:
    """Per month, newest first: nothing here names a member or a post."""
    today = today or utcnow().date()
    wanted = _months_back(today, months)
    since = datetime.combine(wanted[-1], datetime.min.time())
    flagged: dict[date, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for post_id, label, created_at in db.session.execute(select(
            ModerationFlag.post_id, ModerationFlag.label, ModerationFlag.created_at).where(ModerationFlag.created_at >= since)):
        flagged[_month(created_at)][label].add(post_id)
    reported: dict[date, set] = defaultdict(set)
    by_reason: dict[date, Counter] = defaultdict(Counter)
    for post_id, reason, created_at in db.session.execute(select(Report.post_id, Report.reason, Report.created_at)
                                                          .where(Report.created_at >= since)):
        reported[_month(created_at)].add(post_id)
        by_reason[_month(created_at)][reason] += 1
    hidden: dict[date, set] = defaultdict(set)
    hide_ids: dict[int, tuple[date, int]] = {}
    for decision_id, post_id, created_at in db.session.execute(
            select(Decision.id, Decision.post_id, Decision.created_at)
            .where(Decision.action.in_(("hide", "auto_hide")), Decision.created_at >= since)):
        hidden[_month(created_at)].add(post_id)
        hide_ids[decision_id] = (_month(created_at), post_id)
    hidden_label: dict[date, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    if hide_ids:
        for decision_id, label in db.session.execute(select(LabelDecision.decision_id, LabelDecision.label).where(
                LabelDecision.verdict == "confirmed", LabelDecision.decision_id.in_(list(hide_ids)))):
            month, post_id = hide_ids[decision_id]
            hidden_label[month][label].add(post_id)
    restored: Counter = Counter()
    appeals: Counter = Counter()
    for status, created_at, resolved_at in db.session.execute(
            select(Appeal.status, Appeal.created_at, Appeal.resolved_at)
            .where(or_(Appeal.created_at >= since, Appeal.resolved_at >= since))):
        if created_at >= since:
            appeals[_month(created_at)] += 1
        if status == "granted" and resolved_at is not None and resolved_at >= since:
            restored[_month(resolved_at)] += 1
    return [MonthRow(
        month=m,
        flagged={label: len(flagged[m][label]) for label in LABELS},
        reported=len(reported[m]),
        reports_by_reason=dict(by_reason[m]),
        hidden=len(hidden[m]),
        hidden_by_label={label: len(hidden_label[m][label]) for label in LABELS},
        restored_on_appeal=restored[m],
        appeals=appeals[m],
    ) for m in wanted]
