"""Notice and appeal: the author sees why, appeals once per decision, and hears the outcome."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Notification
from moderation import actions, appeals, queue
from moderation.models import Appeal, Decision
from tests.moderation.factories import flag, hold


def _messages(user):
    db.session.expire_all()
    return db.session.scalars(select(Notification.message).where(Notification.user_id == user.id)
                              .order_by(Notification.id)).all()


def _appeal(client, post, text="I was sharing my own experience, not selling anything."):
    return client.post_form(f"/p/{post.id}/appeal", {"text": text})


def test_hidden_post_appeal_then_restore_is_notified(client, people, post):
    flag(post)
    actions.hide(people["moderator"], post, "clinic_promotion")
    client.login(people["author"])
    thread = client.get(f"/t/{post.thread_id}").get_data(as_text=True)
    assert "Hidden by moderators: Promotes an unproven clinic" in thread
    assert f'href="/p/{post.id}/appeal">Appeal this decision' in thread
    page = client.get(f"/p/{post.id}/appeal")
    assert page.status_code == 200 and 'for="text"' in page.get_data(as_text=True)
    assert _appeal(client, post).status_code == 302

    # the appeal is a queue item
    assert queue.post_ids(queue.QueueFilter(reason="appeal"), 0, 10) == [post.id]
    assert "Appeal sent" in client.get(f"/t/{post.thread_id}").get_data(as_text=True)
    # once per decision
    again = _appeal(client, post, "Please!")
    assert again.status_code == 409
    assert db.session.scalar(select(func.count(Appeal.id))) == 1

    actions.restore(people["moderator2"], post, note="Fair enough")
    db.session.expire_all()
    appeal = db.session.scalar(select(Appeal))
    assert appeal.status == "granted" and appeal.resolver_id == people["moderator2"].id
    assert post.hidden_at is None
    assert "Your appeal was accepted" in _messages(people["author"])[-1]
    assert queue.count(queue.QueueFilter()) == 0


def test_denied_appeal_is_notified_and_final(client, people, post):
    flag(post)
    actions.hide(people["moderator"], post, "clinic_promotion")
    appeals.submit(people["author"], post, "Please look again")
    actions.hide(people["moderator2"], post, "clinic_promotion", note="It names a price")
    db.session.expire_all()
    assert db.session.scalar(select(Appeal)).status == "denied"
    assert "stays hidden" in _messages(people["author"])[-1]
    assert post.hidden_at is not None
    client.login(people["author"])
    page = client.get(f"/p/{post.id}/appeal").get_data(as_text=True)
    assert "final" in page
    assert _appeal(client, post).status_code == 409
    with pytest.raises(appeals.AppealError, match="final"):
        appeals.submit(people["author"], post, "Again")


def test_a_new_decision_can_be_appealed_again(ctx, people, post):
    flag(post)
    actions.hide(people["moderator"], post)
    appeals.submit(people["author"], post, "first")
    actions.restore(people["moderator2"], post)
    actions.hide(people["moderator"], post, "spam", note="a new problem")  # a new decision, appealable once
    appeals.submit(people["author"], post, "second")
    with pytest.raises(appeals.AppealError, match="already appealed"):
        appeals.submit(people["author"], post, "third")
    assert db.session.scalar(select(func.count(Appeal.id))) == 2


def test_held_post_can_be_appealed_and_approval_is_notified(client, people, post):
    hold(post)
    client.login(people["author"])
    thread = client.get(f"/t/{post.thread_id}").get_data(as_text=True)
    assert "Awaiting review" in thread and f"/p/{post.id}/appeal" in thread
    assert _appeal(client, post).status_code == 302
    decision = db.session.scalar(select(Decision))
    assert decision.action == "hold" and decision.moderator_id is None
    item = queue.item_for(post.id)
    assert item.reasons == ["held", "appeal"]
    actions.approve(people["moderator"], post)
    db.session.expire_all()
    assert post.moderation_state == "clean"
    assert "Your appeal was accepted" in _messages(people["author"])[-1]


def test_appeal_rules(client, app, people, post, monkeypatch):
    client.login(people["author"])
    assert _appeal(client, post).status_code == 409  # nothing to appeal
    flag(post)
    actions.hide(people["moderator"], post)
    assert _appeal(client, post, "").status_code == 400
    monkeypatch.setitem(app.config, "APPEAL_MAX_LENGTH", 10)
    too_long = _appeal(client, post, "x" * 11)
    assert too_long.status_code == 400 and "the limit is 10" in too_long.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Appeal.id))) == 0
    client.logout()
    client.login(people["member"])
    assert _appeal(client, post).status_code == 403
    with pytest.raises(appeals.AppealError):
        appeals.submit(people["member"], post, "not mine")


def test_the_queue_shows_the_appeal_and_the_decision_appealed(client, people, post):
    flag(post)
    actions.hide(people["moderator"], post, note="Clinic advert")
    appeals.submit(people["author"], post, "I am a patient, not the clinic.")
    client.login(people["moderator2"])
    html = client.get("/moderation/queue?reason=appeal").get_data(as_text=True)
    assert "I am a patient, not the clinic." in html and "Against: hide by modmaria" in html
    assert f'formaction="/moderation/post/{post.id}/restore"' in html
