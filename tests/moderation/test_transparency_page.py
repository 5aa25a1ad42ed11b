"""The transparency page lists only months with moderation, says so, and draws them with a text alternative."""
from __future__ import annotations

import re
from datetime import date

from forum.boards import service
from forum.models import utcnow
from moderation import charts
from tests.helpers import create_user
from tests.moderation.factories import ago, flag


def _rows(html: str) -> list[str]:
    table = html[html.index('<table class="numbers transparency">'):]
    table = table[:table.index("</table>")]
    return re.findall(r'<th scope="row">([^<]+)</th>', table)


def test_only_months_with_activity_are_listed_and_the_page_says_so(client, people, post):
    other = service.create_reply(create_user(), post.thread, "Another reply about heat.")
    flag(post, "clinic_promotion")
    earlier = ago(days=62)
    flag(other, "misinformation", when=earlier)
    html = client.get("/transparency").get_data(as_text=True)
    assert _rows(html) == [utcnow().strftime("%B %Y"), earlier.strftime("%B %Y")]    # not the quiet month between
    assert "Months with no moderation activity are not listed." in html
    assert "Member reports by reason" not in html                          # no report in the period


def test_a_quiet_year_says_there_was_nothing_rather_than_a_table_of_zeros(client):
    html = client.get("/transparency").get_data(as_text=True)
    assert "There was no moderation activity in the last 12 months." in html
    assert '<table class="numbers transparency">' not in html
    assert "No posts flagged in this period." in html                     # the chart's description


def test_the_chart_is_an_image_with_a_title_and_a_description(client, people, post):
    flag(post, "clinic_promotion")
    html = client.get("/transparency").get_data(as_text=True)
    assert re.search(r'<svg [^>]*role="img" aria-labelledby="chart-title chart-desc"', html)
    assert "Posts flagged by the classifier per month, last 12 months" in html
    assert re.search(r"<desc id=\"chart-desc\">1 posts? flagged from \w+ \d{4} to \w+ \d{4}", html)


def test_the_monthly_chart_draws_every_month_and_names_the_busiest():
    months = [(date(2026, m, 1), {"clinic_promotion": n, "misinformation": 1 if m == 3 else 0})
              for m, n in ((1, 0), (2, 4), (3, 1))]
    chart = charts.flags_per_month_chart(months)
    assert [t.text for t in chart.x_ticks] == ["Jan", "Feb", "Mar"]
    assert len(chart.bars) == 3 and all(b.height > 0 for b in chart.bars)
    assert "busiest month was February 2026 with 4" in chart.description
    assert charts.flags_per_month_chart([(date(2026, 1, 1), {})]).bars == []
