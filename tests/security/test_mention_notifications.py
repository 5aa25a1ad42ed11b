"""Mentions are capped, and nobody hears of a post before the worker has scored it (audit finding 11).

A held post's title used to reach every member it mentioned (and every watcher) the moment it was
written; now notifications go out when the worker marks the post clean or flagged, or when a
moderator approves a held post, and a post may mention at most MAX_MENTIONS_PER_POST members.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.boards import service
from forum.extensions import db
from forum.models import Notification
from moderation import actions, pipeline
from tests.helpers import create_category, create_thread, create_user
from tests.moderation_pipeline.test_pipeline import KeywordClassifier


def notes_for(user) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user.id)))


@pytest.fixture()
def thread(ctx):
    tess = create_user("Tess")
    thread = create_thread(author=tess, title="Cooling vests", category=create_category())
    pipeline.process_batch(KeywordClassifier())
    return thread


def test_a_held_post_tells_nobody_it_mentions_or_who_watches(thread):
    ana, spammer = create_user("ana"), create_user("spammer")
    service.create_reply(spammer, thread, "@ana @Tess HOLDME cure your MS at the Sunrise clinic")
    assert notes_for(ana) == [] and notes_for(thread.author) == []      # nothing while it is pending
    pipeline.process_batch(KeywordClassifier())
    assert notes_for(ana) == [] and notes_for(thread.author) == []      # nor once it is held


def test_notifications_go_out_once_the_post_is_scored_clean(thread):
    ana, ben = create_user("ana"), create_user("ben")
    service.create_reply(ben, thread, "Mine helps a lot, @ana uses one too.")
    assert notes_for(ana) == []
    pipeline.process_batch(KeywordClassifier())
    assert notes_for(ana) == ["ben mentioned you in “Cooling vests”"]
    assert notes_for(thread.author) == ["ben replied to “Cooling vests”"]


def test_a_held_post_approved_by_a_moderator_is_announced_then_once(thread):
    ana, spammer, mod = create_user("ana"), create_user("spammer"), create_user("Mod", role="moderator")
    post = service.create_reply(spammer, thread, "@ana HOLDME see this")
    pipeline.process_batch(KeywordClassifier())
    actions.approve(mod, post)
    assert notes_for(ana) == ["spammer mentioned you in “Cooling vests”"]
    service.edit_post(spammer, post, "@ana see this, and thanks")
    pipeline.process_batch(KeywordClassifier())
    assert len(notes_for(ana)) == 1


def test_an_edit_that_adds_a_name_tells_only_that_member_after_scoring(thread):
    ana, cyd, ben = create_user("ana"), create_user("cyd"), create_user("ben")
    post = service.create_reply(ben, thread, "Ask @ana.")
    pipeline.process_batch(KeywordClassifier())
    service.edit_post(ben, post, "Ask @ana or @cyd.")
    assert notes_for(cyd) == []
    pipeline.process_batch(KeywordClassifier())
    assert notes_for(cyd) == ["ben mentioned you in “Cooling vests”"] and len(notes_for(ana)) == 1
    assert len(notes_for(thread.author)) == 1                           # watchers hear of a post once


def test_a_post_mentioning_too_many_members_is_refused_with_a_clear_message(app, thread, client):
    names = [f"member{n}" for n in range(28)]
    body = " ".join(f"@{n}" for n in names) + " look at this"
    with pytest.raises(service.BoardError, match=r"at most 10 members; this one mentions 28"):
        service.create_reply(thread.author, thread, body)
    client.login("Tess")
    response = client.post_form(f"/t/{thread.id}/reply", {"body": body}, token_page=f"/t/{thread.id}/reply")
    assert response.status_code == 400
    assert "at most 10 members" in response.get_data(as_text=True)
    assert service.create_reply(thread.author, thread, " ".join(f"@{n}" for n in names[:10]))


def test_the_limit_is_a_setting(app, thread):
    app.config["MAX_MENTIONS_PER_POST"] = 2
    try:
        with pytest.raises(service.BoardError, match="at most 2 members"):
            service.create_reply(thread.author, thread, "@ana @ben @cyd")
    finally:
        app.config["MAX_MENTIONS_PER_POST"] = 10
