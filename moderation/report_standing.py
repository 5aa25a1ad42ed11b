"""How much one member's report counts toward hiding a post before a moderator has looked.

Three accounts registered a minute ago must not be able to hide anyone's post. A report counts toward the
automatic hide only when its author has some standing on the forum (an account at least
REPORT_STANDING_DAYS old with at least REPORT_STANDING_POSTS posts), and then by how often that member's
past reports were upheld by moderators: a member whose reports are usually dismissed counts for little.
Staff posts are never hidden this way. Every report still reaches the moderators' queue in full.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, User, utcnow
from moderation.models import Report

PRIOR_UPHELD, PRIOR_DISMISSED = 1.0, 0.0   # a member with no decided reports yet counts as fully trusted


def has_standing(member: User) -> bool:
    config = current_app.config
    old_enough = member.created_at <= utcnow() - timedelta(days=config["REPORT_STANDING_DAYS"])
    posts = db.session.scalar(select(func.count(Post.id)).where(Post.author_id == member.id,
                                                                Post.deleted_at.is_(None))) or 0
    return old_enough and posts >= config["REPORT_STANDING_POSTS"]


def track_record(member: User) -> float:
    """Share of the member's decided reports that moderators upheld (smoothed; 1.0 with none decided)."""
    rows = dict(db.session.execute(select(Report.outcome, func.count(Report.id)).where(
        Report.reporter_id == member.id, Report.outcome.is_not(None)).group_by(Report.outcome)).all())
    upheld, dismissed = rows.get("upheld", 0), rows.get("dismissed", 0)
    return (upheld + PRIOR_UPHELD) / (upheld + dismissed + PRIOR_UPHELD + PRIOR_DISMISSED)


def report_weight(member: User) -> float:
    return track_record(member) if has_standing(member) else 0.0


def hide_weight(post: Post) -> float:
    """Sum of the weights of the members with an open report on the post."""
    reporters = db.session.scalars(select(User).join(Report, Report.reporter_id == User.id).where(
        Report.post_id == post.id, Report.resolved_at.is_(None)).distinct())
    return sum(report_weight(member) for member in reporters)


def may_auto_hide(post: Post) -> bool:
    if post.hidden_at is not None or post.author.is_moderator:
        return False
    return hide_weight(post) >= current_app.config["REPORT_HIDE_THRESHOLD"]
