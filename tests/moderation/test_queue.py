"""The review queue: one item per post, priority order, filters, pages, and what each item shows."""
from __future__ import annotations

import re

import pytest

from forum.boards import service
from forum.extensions import db
from moderation import actions, appeals, queue, reports
from tests.helpers import create_category, create_thread, create_user
from tests.moderation.factories import ago, flag, hold


def _reply(thread, body="A reply about fatigue and heat.", author=None):
    return service.create_reply(author or create_user(), thread, body)


def _order(client, **args) -> list[int]:
    html = client.get("/moderation/queue", query_string=args).get_data(as_text=True)
    return [int(n) for n in re.findall(r'id="item-(\d+)"', html)]


def test_priority_order_label_score_reports_held_then_oldest(client, people, post):
    thread = post.thread
    low_old = _reply(thread)
    top = _reply(thread)
    low_held = _reply(thread)
    low_older = _reply(thread)
    reported = _reply(thread)
    flag(low_old, score=0.6, when=ago(hours=3))
    flag(top, score=0.95, when=ago(hours=1))
    flag(low_held, score=0.6, when=ago(hours=1), state="held")
    flag(low_older, score=0.6, when=ago(hours=5))
    flag(reported, score=0.6, when=ago(minutes=5))
    reports.submit(people["member"], reported, "clinic_promotion")

    expected = [reported.id, top.id, low_held.id, low_older.id, low_old.id]
    assert queue.post_ids(queue.QueueFilter(), 0, 50) == expected
    client.login(people["moderator"])
    assert _order(client) == expected


def test_more_reports_outrank_a_single_report(client, people, post):
    other = _reply(post.thread)
    reports.submit(people["member"], other, "spam")
    for name in ("rep1", "rep2"):
        reports.submit(create_user(name), post, "spam")
    assert queue.post_ids(queue.QueueFilter(), 0, 10) == [post.id, other.id]


def test_signals_about_one_post_are_one_item(client, people, post):
    flag(post, "clinic_promotion", 0.9)
    reports.submit(people["member"], post, "misinformation", "This is dangerous")
    reports.submit(create_user("second"), post, "clinic_promotion")
    flag(post, "misinformation", 0.7, state="held")  # the worker scores an edit and holds it
    appeals.submit(people["author"], post, "I only shared my experience.")

    assert queue.count(queue.QueueFilter()) == 1
    item = queue.build_items(queue.post_ids(queue.QueueFilter(), 0, 10))[0]
    assert item.reasons == ["clinic_promotion", "misinformation", "report", "held", "appeal"]
    assert item.priority == pytest.approx(0.9 + 2 * 0.5 + 0.5)
    client.login(people["moderator"])
    html = client.get("/moderation/queue").get_data(as_text=True)
    assert html.count('data-review-item') == 1
    assert "Member reports: 2 open" in html and "I only shared my experience." in html
    for reason in queue.REASONS:
        assert queue.count(queue.QueueFilter(reason=reason)) == 1


def test_filters_by_reason_category_and_state(client, people, post):
    other_thread = create_thread(author=people["member"], title="Heat and fatigue",
                                 category=create_category("Symptoms", "Day to day"))
    misinfo = _reply(other_thread, "Vitamin D megadoses replace your DMT.")
    held_post = _reply(other_thread)
    flag(post, "clinic_promotion")
    flag(misinfo, "misinformation", 0.8)
    hold(held_post)
    client.login(people["moderator"])

    assert _order(client, reason="clinic_promotion") == [post.id]
    assert _order(client, reason="misinformation") == [misinfo.id]
    assert _order(client, reason="held") == [held_post.id]
    assert _order(client, reason="report") == []
    assert set(_order(client, category="symptoms")) == {misinfo.id, held_post.id}
    assert _order(client, category="stem-cells-hsct") == [post.id]

    actions.approve(people["moderator"], misinfo)
    assert misinfo.id not in _order(client)
    assert _order(client, state="resolved") == [misinfo.id]
    assert _order(client, state="resolved", reason="misinformation") == [misinfo.id]
    assert _order(client, state="resolved", reason="clinic_promotion") == []


@pytest.mark.parametrize("args", [{"reason": "gossip"}, {"state": "closed"}, {"category": "nope"}, {"page": "x"}])
def test_bad_filters_are_a_400_not_a_500(client, people, args):
    client.login(people["moderator"])
    response = client.get("/moderation/queue", query_string=args)
    assert response.status_code == 400
    assert "must be" in response.get_data(as_text=True) or "Unknown filter" in response.get_data(as_text=True)


def test_queue_is_paginated(client, app, people, post, monkeypatch):
    monkeypatch.setitem(app.config, "MODERATION_QUEUE_PER_PAGE", 2)
    posts = [_reply(post.thread) for _ in range(5)]
    for i, p in enumerate(posts):
        flag(p, score=0.5 + i / 100)
    client.login(people["moderator"])
    first, second, third = (_order(client, page=n) for n in (1, 2, 3))
    assert first == [posts[4].id, posts[3].id] and second == [posts[2].id, posts[1].id] and third == [posts[0].id]
    assert 'rel="next"' in client.get("/moderation/queue").get_data(as_text=True)
    assert client.get("/moderation/queue?page=4").status_code == 404


def test_item_shows_the_post_in_context(client, people, post):
    flag(post, "clinic_promotion", 0.91, model_version="minilm-heads-2026-11",
         reasons=["names a clinic with a price or location"])
    earlier = service.create_reply(people["author"], post.thread, "An older post of mine.")
    flag(earlier, "misinformation", 0.7)
    actions.hide(people["moderator"], earlier)
    client.login(people["moderator2"])
    for url in ("/moderation/queue", f"/moderation/post/{post.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "Stem cell clinics abroad" in html and "Stem cells &amp; HSCT" in html      # thread and category
        assert "<mark>Go to the Sunrise clinic in Cancun.</mark>" in html                # sentences highlighted
        assert "names a clinic with a price or location" in html                        # rules
        assert "0.91" in html and "minilm-heads-2026-11" in html                        # scores, model version
        assert "Has anyone looked into HSCT abroad?" in html                            # neighbour before
        assert "Please be careful, that is not an approved treatment." in html          # neighbour after
        assert re.search(r"joined \d\d \w{3} \d{4} · 2 posts", html)                    # author history
        assert "1 earlier flag (1 confirmed, 0 rejected)" in html
        assert "hide 1" in html


def test_sentences_edited_out_are_listed_apart(ctx, people, post):
    flag(post, sentences=[{"text": "Book now at the clinic website.", "scores": {"clinic_promotion": 0.97}}])
    item = queue.item_for(post.id)
    assert item.unmatched == [{"text": "Book now at the clinic website.", "scores": {"clinic_promotion": 0.97}}]
    assert all(s.scores is None for s in item.segments)


def test_deleted_posts_leave_the_queue(ctx, people, post):
    flag(post)
    service.delete_post(people["author"], post)
    assert queue.count(queue.QueueFilter()) == 0


def test_held_post_without_flags_is_an_item(ctx, people, post):
    hold(post)
    item = queue.build_items(queue.post_ids(queue.QueueFilter(), 0, 10))[0]
    assert item.post.id == post.id and item.reasons == ["held"] and item.priority == 0


def test_queue_links_the_next_item_and_shows_shortcut_hints(client, people, post):
    second = _reply(post.thread)
    flag(post, score=0.9)
    flag(second, score=0.8)
    client.login(people["moderator"])
    html = client.get("/moderation/queue").get_data(as_text=True)
    assert f'name="next" value="/moderation/queue#item-{second.id}"' in html
    assert "data-shortcut-hints" in html and "<kbd>a</kbd> approve" in html
    assert 'src="/static/js/moderation.js"' in html
    response = client.post_form(f"/moderation/post/{post.id}/approve",
                                {"next": f"/moderation/queue#item-{second.id}"})
    assert response.headers["Location"].endswith(f"/moderation/queue#item-{second.id}")
    offsite = client.post_form(f"/moderation/post/{second.id}/approve", {"next": "https://evil.example/"})
    assert offsite.headers["Location"].endswith(f"/moderation/post/{second.id}")
    db.session.expire_all()
