"""Dashboard, transparency page, chart, and decisions as training labels."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from forum.boards import service
from forum.extensions import db
from forum.models import utcnow
from moderation import actions, appeals, charts, dashboard, decision_labels, reports
from moderation.models import LabelDecision
from tests.helpers import create_user
from tests.moderation.factories import ago, flag


def _replies(post, n):
    return [service.create_reply(create_user(), post.thread, f"Reply number {i} about heat and fatigue.") for i in range(n)]


def test_precision_per_label_and_median_time_to_decision(ctx, people, post):
    a, b, c = _replies(post, 3)
    flag(post, "clinic_promotion", when=ago(hours=4))
    flag(a, "clinic_promotion", when=ago(hours=2))
    flag(b, "clinic_promotion", when=ago(hours=6))
    flag(c, "misinformation", when=ago(hours=1))
    actions.hide(people["moderator"], post)        # confirmed after 4 h
    actions.hide(people["moderator"], a)           # confirmed after 2 h
    actions.approve(people["moderator"], b)        # rejected after 6 h
    actions.approve(people["moderator"], c)        # rejected after 1 h
    stats = {s.label: s for s in dashboard.label_stats()}
    assert (stats["clinic_promotion"].confirmed, stats["clinic_promotion"].rejected) == (2, 1)
    assert stats["clinic_promotion"].precision == pytest.approx(2 / 3)
    assert stats["misinformation"].precision == 0
    median, sample = dashboard.median_hours_to_decision()
    assert sample == 4 and median == pytest.approx(3.0, abs=0.01)
    # a restore flips the verdict: precision follows the latest decision per flag
    actions.restore(people["moderator2"], a)
    assert {s.label: s for s in dashboard.label_stats()}["clinic_promotion"].precision == pytest.approx(1 / 3)


def test_dashboard_page(client, people, post):
    a, b = _replies(post, 2)
    flag(post, when=ago(days=2))
    flag(a, "misinformation", when=ago(days=10))
    reports.submit(people["member"], b, "spam")
    actions.hide(people["moderator"], a)
    client.login(people["moderator"])
    html = client.get("/moderation/dashboard").get_data(as_text=True)
    assert "2 open items" in html
    assert "Median time from a classifier flag" in html and "240.0 hours" in html
    assert "<svg" in html and "<rect" in html and 'role="img"' in html
    assert "Classifier flags per day, last 90 days" in html
    assert "<th scope=\"row\">Medical misinformation</th><td>1</td><td>0</td>" in html.replace("\n", "").replace("      ", "")


def test_flags_per_day_chart_geometry(ctx, people, post):
    a, = _replies(post, 1)
    flag(post, "clinic_promotion", when=ago(days=1))
    flag(a, "misinformation", when=ago(days=1))
    per_day = dashboard.flags_per_day(90)
    assert len(per_day) == 90 and per_day[-1][0] == utcnow().date()
    assert sum(sum(c.values()) for _, c in per_day) == 2
    chart = charts.flags_per_day_chart(per_day)
    assert len(chart.bars) == 2 and all(0 <= b.y <= chart.plot_bottom for b in chart.bars)
    assert {b.colour for b in chart.bars} == set(charts.COLOURS.values())
    empty = charts.flags_per_day_chart([(date(2026, 1, 1) + timedelta(days=i), {}) for i in range(90)])
    assert empty.bars == [] and empty.description == "No flags in this period."


def test_transparency_page_counts_per_month(client, people, post):
    a, b, c = _replies(post, 3)
    flag(post, "clinic_promotion")
    flag(a, "misinformation")
    flag(b, "misinformation")
    reports.submit(people["member"], c, "abusive")
    actions.hide(people["moderator"], post)
    actions.hide(people["moderator"], a)
    appeals.submit(a.author, a, "Please")
    actions.restore(people["moderator2"], a)
    month = dashboard.transparency(12)[0]
    assert month.flagged == {"clinic_promotion": 1, "misinformation": 2}
    assert month.reported == 1 and month.reports_by_reason == {"abusive": 1}
    assert month.hidden == 2 and month.hidden_by_label == {"clinic_promotion": 1, "misinformation": 1}
    assert month.appeals == 1 and month.restored_on_appeal == 1
    html = client.get("/transparency").get_data(as_text=True)  # public, no login
    assert "Transparency report" in html and utcnow().strftime("%B %Y") in html
    assert people["author"].username not in html and "Sunrise" not in html


def test_decisions_become_training_lines(ctx, people, post):
    a, b, c = _replies(post, 3)
    clinic = flag(post, "clinic_promotion")
    flag(a, "misinformation")
    flag(b, "clinic_promotion")
    flag(c, "clinic_promotion")
    actions.hide(people["moderator"], post)            # clinic confirmed; misinformation unknown -> skipped
    actions.approve(people["moderator"], a)            # misinformation rejected; approve -> clinic 0
    actions.hide(people["moderator"], b, labels_confirmed=["clinic_promotion", "misinformation"])
    lines = {line["id"]: line for line in decision_labels.training_examples()}
    assert f"decision-{clinic.id}" not in lines
    flag_a = db.session.scalar(select(LabelDecision.flag_id).where(LabelDecision.post_id == a.id))
    assert lines[f"decision-{flag_a}"] == {"id": f"decision-{flag_a}", "text": "Reply number 0 about heat and fatigue.",
                                           "clinic_promotion": 0, "misinformation": 0, "kind": "moderator_decision"}
    line_b = next(line for line in lines.values() if line["text"] == "Reply number 1 about heat and fatigue.")
    assert (line_b["clinic_promotion"], line_b["misinformation"]) == (1, 1)
    assert all(line["kind"] == "moderator_decision" for line in lines.values())


def test_training_text_is_the_version_that_was_judged(ctx, people, post):
    flag(post, "clinic_promotion")
    flag(post, "misinformation")
    actions.hide(people["moderator"], post)   # both confirmed on the original text
    actions.edit(people["moderator"], post, "Edited: talk to your neurologist about HSCT.", note="removed the clinic")
    [line] = decision_labels.training_examples()
    assert "Sunrise clinic" in line["text"] and line["clinic_promotion"] == 1 and line["misinformation"] == 1
