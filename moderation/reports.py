"""Member reports: once per member per post; enough trusted members hide the post until a moderator decides
(how much each report counts: moderation/report_standing.py).

A reporter only ever learns that their own report arrived: never who else reported, nor how many.
"""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.models import Post, User, utcnow
from forum.visibility import can_see_post
from moderation import actions
from moderation.report_standing import may_auto_hide
from moderation.models import REPORT_REASONS, Report


class ReportError(ValueError):
    """The report cannot be taken; the message is shown to the member."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def report_problem(reporter: User, post: Post) -> ReportError | None:
    """Why this member cannot report this post, if they cannot."""
    if not getattr(reporter, "is_authenticated", False):
        return ReportError("Log in to report a post.", 401)
    if post.deleted_at is not None or not can_see_post(post, reporter):
        return ReportError("That post does not exist or is not visible to you.", 404)
    if post.author_id == reporter.id:
        return ReportError("You cannot report your own post. You can edit or delete it instead.", 403)
    if reporter.banned_at is not None:
        return ReportError("Your account is banned and cannot report posts.", 403)
    if reporter.is_suspended():
        return ReportError(f"Your account is suspended until {reporter.suspended_until:%d %B %Y %H:%M} UTC "
                           "and cannot report posts.", 403)
    return None


def existing_report(reporter: User, post: Post) -> Report | None:
    return db.session.scalar(select(Report).where(Report.post_id == post.id, Report.reporter_id == reporter.id))


def open_reporter_count(post: Post) -> int:
    return db.session.scalar(select(func.count(func.distinct(Report.reporter_id))).where(
        Report.post_id == post.id, Report.resolved_at.is_(None))) or 0


def submit(reporter: User, post: Post, reason: str, note: str = "") -> Report:
    problem = report_problem(reporter, post)
    if problem is not None:
        raise problem
    if reason not in REPORT_REASONS:
        raise ReportError(f"Choose one of the reasons: {', '.join(REPORT_REASONS.values())}.")
    note = (note or "").strip()
    limit = current_app.config["REPORT_NOTE_MAX_LENGTH"]
    if len(note) > limit:
        raise ReportError(f"The note is {len(note)} characters long; the limit is {limit}.")
    if existing_report(reporter, post) is not None:
        raise ReportError("You already reported this post; the moderators have it.", 409)
    report = Report(post_id=post.id, reporter_id=reporter.id, reason=reason, note=note, created_at=utcnow())
    db.session.add(report)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the same member, twice at once
        db.session.rollback()
        raise ReportError("You already reported this post; the moderators have it.", 409) from exc
    post = actions.lock_post(post)  # two reports crossing the threshold at once hide the post once
    if may_auto_hide(post):
        actions.auto_hide(post, open_reporter_count(post))
    db.session.commit()
    return report
