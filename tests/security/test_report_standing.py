"""Audit finding 9: a few brand-new accounts must not be able to hide any post, a staff post included."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, utcnow
from moderation import queue, reports
from moderation.models import Report
from tests.helpers import create_category, create_thread, create_user


@pytest.fixture
def standing(app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_STANDING_DAYS", 7)
    monkeypatch.setitem(app.config, "REPORT_STANDING_POSTS", 3)
    monkeypatch.setitem(app.config, "REPORT_HIDE_THRESHOLD", 3)


def established(name: str):
    member = create_user(name)
    member.created_at = utcnow() - timedelta(days=60)
    for i in range(3):
        create_thread(author=member, title=f"{name} thread {i}", body="Heat makes my legs worse.")
    db.session.commit()
    return member


@pytest.fixture
def target(ctx):
    create_category()
    return create_thread(author=create_user("ordinaryposter"), title="My Ocrevus infusion",
                         body="Went fine, a bit tired after.")


def first_post(thread) -> Post:
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def test_three_accounts_registered_seconds_ago_cannot_hide_a_post(standing, target):
    post = first_post(target)
    for i in range(3):
        reports.submit(create_user(f"fresh{i}"), post, "spam")
    db.session.expire_all()
    assert post.hidden_at is None
    assert queue.post_ids(queue.QueueFilter(reason="report"), 0, 10) == [post.id]   # moderators still see them


def test_three_members_with_standing_hide_it(standing, target):
    post = first_post(target)
    for name in ("oldtimer1", "oldtimer2", "oldtimer3"):
        reports.submit(established(name), post, "spam")
    db.session.expire_all()
    assert post.hidden_at is not None


def test_a_member_whose_reports_are_usually_dismissed_counts_for_little(standing, target):
    serial = established("serialreporter")
    for i in range(4):
        other = create_thread(author=create_user(f"victim{i}"), title=f"Post {i}", body="Just chatting.")
        db.session.add(Report(post_id=first_post(other).id, reporter_id=serial.id, reason="spam",
                              resolved_at=utcnow(), outcome="dismissed"))
    db.session.commit()
    post = first_post(target)
    for member in (serial, established("fair1"), established("fair2")):
        reports.submit(member, post, "spam")
    db.session.expire_all()
    assert post.hidden_at is None


def test_a_staff_post_is_never_hidden_by_reports(app, standing, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_HIDE_THRESHOLD", 1)
    create_category()
    notice = create_thread(author=create_user("modnina", role="moderator"), title="Forum rules",
                           body="Be kind, no selling.")
    post = first_post(notice)
    reports.submit(established("grumpy"), post, "other")
    db.session.expire_all()
    assert post.hidden_at is None
