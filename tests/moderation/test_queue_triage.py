"""Triage from the queue page alone: plain reasons, the post's own text, decisions, a flash and an undo."""
from __future__ import annotations

import html as htmllib
import re

from forum.boards import service
from forum.extensions import db
from forum.models import Post
from moderation import actions, triage
from tests.moderation.factories import flag, hold

REASONS = ["model: clinic_promotion 0.99 (threshold 0.50)", "hold: clinic_promotion 0.99 >= hold threshold 0.92",
           "rule: price mentioned ($14,900)", "rule: messaging-app contact (WhatsApp +52 998 555 0142)"]


def _text(client, url="/moderation/queue") -> str:
    return htmllib.unescape(client.get(url).get_data(as_text=True))


def _flash_and_undo(html: str) -> tuple[list[str], list[str]]:
    flashes = re.findall(r'<p class="flash flash-success">(.*?)</p>', html)
    undo = re.findall(r'<form class="undo"[^>]*action="([^"]+)"', html)
    return flashes, undo


def test_the_queue_tells_why_in_plain_words_with_the_numbers_folded_away(client, people, post):
    flag(post, "clinic_promotion", 0.99, reasons=REASONS)
    client.login(people["moderator"])
    html = _text(client)
    assert "Very likely clinic or product promotion" in html
    assert "How sure: <strong>very likely</strong>" in html
    assert "gives a price for treatment: $14,900" in html and "asks readers to get in touch by WhatsApp" in html
    assert '<blockquote class="quote"><p><mark>Go to the Sunrise clinic in Cancun.</mark></p></blockquote>' in html
    folded = html[html.index("<summary>Scores and thresholds</summary>"):]
    assert "threshold 0.50" in folded and "flag 0.50, hold 0.92" in folded
    assert "threshold 0.50" not in html[:html.index("<summary>Scores and thresholds</summary>")]


def test_the_post_text_carries_no_scores_inline(client, people, post):
    flag(post, "clinic_promotion", 0.91)
    client.login(people["moderator"])
    html = _text(client)
    body = re.search(r'<blockquote class="post-text"[^>]*>(.*?)</blockquote>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", body).strip() == post.body
    assert "[" not in body and "0.91" not in body


def test_a_long_post_shows_an_excerpt_and_unfolds_to_the_whole_text(client, people, post):
    long = service.create_reply(people["author"], post.thread, "Fatigue diary. " * 40 + "The last sentence.")
    flag(long, "misinformation", 0.6, sentences=[])
    client.login(people["moderator"])
    html = _text(client)
    item = html[html.index(f'id="item-{long.id}"'):]
    assert re.search(r'<p class="excerpt">Fatigue diary\. .*…</p>', item)
    assert "<summary>Read the whole post" in item and "The last sentence." in item


def test_hide_from_the_queue_returns_to_it_with_a_flash_and_an_undo(client, people, post):
    flag(post, "clinic_promotion", 0.99, reasons=REASONS)
    client.login(people["moderator"])
    response = client.post_form(f"/moderation/post/{post.id}/hide", {"next": "/moderation/queue", "reason": "clinic_promotion"})
    assert response.headers["Location"].endswith("/moderation/queue")
    html = _text(client)
    flashes, undo = _flash_and_undo(html)
    assert flashes == ["Hid post #2 in “Stem cell clinics abroad” (clinic promotion)."]
    assert undo == [f"/moderation/post/{post.id}/restore"] and "Undo: show post #2 again" in html
    assert f'id="item-{post.id}"' not in html                               # off the open queue
    client.post_form(undo[0], {"next": "/moderation/queue",
                               "seen": re.search(r'name="seen" value="(\d+)"', html).group(1)})
    db.session.expire_all()
    assert db.session.get(Post, post.id).hidden_at is None
    assert _flash_and_undo(_text(client))[0] == ["Showed post #2 in “Stem cell clinics abroad” again: everyone can see it."]


def test_keep_visible_and_publish_have_no_undo(client, people, post):
    other = service.create_reply(people["member"], post.thread, "A held reply.")
    flag(post, "misinformation", 0.7)
    hold(other)
    client.login(people["moderator"])
    html = _text(client)
    assert "Keep visible" in html and "Publish" in html
    client.post_form(f"/moderation/post/{post.id}/approve", {"next": "/moderation/queue"})
    assert _flash_and_undo(_text(client)) == (["Kept post #2 in “Stem cell clinics abroad” visible."], [])
    client.post_form(f"/moderation/post/{other.id}/approve", {"next": "/moderation/queue"})
    flashes, undo = _flash_and_undo(_text(client))
    assert flashes == ["Published post #4 in “Stem cell clinics abroad”: everyone can see it now."] and undo == []


def test_an_undo_is_offered_only_while_nobody_has_decided_since(ctx, people, post):
    flag(post)
    before = triage.visibility_before(post)
    decision = actions.hide(people["moderator"], post)
    undo = triage.undo_for("hide", post, before, decision)
    assert triage.still_undoable(undo.as_dict()) == undo
    actions.restore(people["moderator2"], post)
    assert triage.still_undoable(undo.as_dict()) is None
    assert triage.still_undoable({"post_id": "x"}) is None and triage.still_undoable(None) is None
    assert triage.undo_for("hide", post, "hidden", decision) is None          # keeping it hidden: nothing to undo
