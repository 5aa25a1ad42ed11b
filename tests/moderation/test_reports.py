"""Member reports: once per member, a threshold of distinct members hides, limits, and reporter privacy."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db, limiter
from forum.models import Notification, User, utcnow
from moderation import queue, reports
from moderation.models import AuditEntry, Decision, Report
from tests.helpers import FormClient, create_user


def _report(client, post, reason="clinic_promotion", note=""):
    return client.post_form(f"/p/{post.id}/report", {"reason": reason, "note": note})


def _as(app, user) -> FormClient:
    c = FormClient(app.test_client())
    c.login(user)
    return c


def test_report_form_and_link(client, people, post):
    client.login(people["member"])
    thread = client.get(f"/t/{post.thread_id}").get_data(as_text=True)
    assert f'href="/p/{post.id}/report"' in thread
    page = client.get(f"/p/{post.id}/report").get_data(as_text=True)
    for label in ("Promotes a clinic or product", "Medical misinformation", "Abusive", "Spam", "Something else"):
        assert label in page
    assert '<legend>Why are you reporting this post?</legend>' in page and 'for="note"' in page
    response = _report(client, post, "misinformation", "Claims a cure")
    assert response.status_code == 302
    report = db.session.scalar(select(Report))
    assert (report.reason, report.note, report.reporter_id) == ("misinformation", "Claims a cure", people["member"].id)
    assert queue.post_ids(queue.QueueFilter(reason="report"), 0, 10) == [post.id]


def test_the_author_sees_no_report_link_and_cannot_report(client, people, post):
    client.login(people["author"])
    assert f'href="/p/{post.id}/report"' not in client.get(f"/t/{post.thread_id}").get_data(as_text=True)
    assert _report(client, post).status_code == 403
    assert db.session.scalar(select(func.count(Report.id))) == 0


def test_three_distinct_members_hide_the_post_until_a_moderator_decides(app, people, post):
    reporters = [create_user(f"worried{i}") for i in range(3)]
    for i, reporter in enumerate(reporters[:2]):
        assert _report(_as(app, reporter), post).status_code == 302
    db.session.expire_all()
    assert post.hidden_at is None
    assert _report(_as(app, reporters[2]), post, "misinformation").status_code == 302
    db.session.expire_all()
    assert post.hidden_at is not None and post.search_dirty
    assert "Reported by several members" in post.hidden_reason
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auto_hide"))
    assert entry.actor_id is None and entry.actor_role == "system" and entry.post_id == post.id
    decision = db.session.scalar(select(Decision))
    assert decision.action == "auto_hide" and decision.appealable
    author_notes = db.session.scalars(select(Notification.message).where(Notification.user_id == post.author_id)).all()
    assert any("hidden after reports from members" in m for m in author_notes)
    assert not any(r.username in " ".join(author_notes) for r in reporters)  # the author is not told who
    # still one item in the queue, with the reports, until a moderator decides
    assert queue.post_ids(queue.QueueFilter(), 0, 10) == [post.id]


def test_the_same_member_twice_counts_once(app, people, post, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_HIDE_THRESHOLD", 2)
    c = _as(app, people["member"])
    assert _report(c, post).status_code == 302
    again = _report(c, post, "spam")
    assert again.status_code == 409 and "you can only report a post once" in again.get_data(as_text=True)
    db.session.expire_all()
    assert post.hidden_at is None
    assert db.session.scalar(select(func.count(Report.id))) == 1
    with pytest.raises(reports.ReportError):
        reports.submit(people["member"], post, "spam")


def test_threshold_is_configurable(app, people, post, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_HIDE_THRESHOLD", 1)
    reports.submit(people["member"], post, "spam")
    assert post.hidden_at is not None


def test_after_a_decision_only_new_reports_count(ctx, people, post):
    from moderation import actions

    for i in range(3):
        reports.submit(create_user(f"early{i}"), post, "spam")
    actions.approve(people["moderator"], post)
    assert post.hidden_at is None
    reports.submit(create_user("late1"), post, "spam")
    assert post.hidden_at is None


def test_a_reporter_never_learns_who_else_reported(app, people, post):
    first = create_user("firstreporter")
    reports.submit(first, post, "clinic_promotion", "I know this clinic")
    second = _as(app, create_user("secondreporter"))
    for page in (second.get(f"/p/{post.id}/report"), _report(second, post),
                 second.get(f"/t/{post.thread_id}")):
        html = page.get_data(as_text=True)
        assert "firstreporter" not in html and "I know this clinic" not in html
        assert "2 reports" not in html and "reported by" not in html.lower()


@pytest.mark.parametrize("state", ["suspended", "banned"])
def test_suspended_and_banned_members_cannot_report(client, people, post, state):
    member = db.session.get(User, people["member"].id)
    client.login(member)
    if state == "suspended":
        from datetime import timedelta

        member.suspended_until = utcnow() + timedelta(days=2)
    else:
        member.banned_at = utcnow()
    db.session.commit()
    with pytest.raises(reports.ReportError):
        reports.submit(member, post, "spam")
    response = _report(client, post)
    expected = 403 if state == "suspended" else 302  # a banned member's session is gone: log in again
    assert response.status_code == expected
    assert db.session.scalar(select(func.count(Report.id))) == 0


@pytest.mark.parametrize("data", [{"reason": "boring"}, {}, {"reason": "spam", "note": "x" * 501}])
def test_bad_report_input_is_a_400_and_no_row(client, people, post, data):
    client.login(people["member"])
    response = client.post_form(f"/p/{post.id}/report", data)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Report.id))) == 0


def test_report_rate_is_limited_per_member(app, people, post, monkeypatch):
    from forum.boards import service

    others = [service.create_reply(create_user(), post.thread, f"Reply {i}") for i in range(3)]
    monkeypatch.setitem(app.config, "RATE_REPORT", "2 per hour")
    limiter.reset()
    monkeypatch.setattr(limiter, "enabled", True)
    try:
        member = _as(app, people["member"])
        assert _report(member, others[0]).status_code == 302
        assert _report(member, others[1]).status_code == 302
        limited = _report(member, others[2])
        assert limited.status_code == 429
        # another member on the same address is not affected
        assert _report(_as(app, people["moderator"]), others[2]).status_code == 302
    finally:
        limiter.reset()
    assert db.session.scalar(select(func.count(Report.id))) == 3
