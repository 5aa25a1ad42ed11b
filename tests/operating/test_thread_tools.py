"""Moderators' thread tools (issue 16): pin with an end date, close (not lock), move; audited and told."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from forum.boards import queries, service
from forum.extensions import db
from forum.models import Notification, Post, utcnow
from forum.visibility import can_edit_post
from moderation import thread_tools
from moderation.actions import ActionError, ActionForbidden
from moderation.audit_text import describe
from moderation.models import AuditEntry
from tests.helpers import create_category, create_thread, create_user


@pytest.fixture()
def cast(ctx):
    return {"author": create_user("tess"), "member": create_user("reader"),
            "moderator": create_user("modmo", role="moderator")}


@pytest.fixture()
def category(ctx):
    return create_category("Symptoms", "Numbness, fatigue, balance")


def titles(category) -> list[str]:
    return [row.thread.title for row in queries.list_threads(None, category, 0, 20)]


def notices(user) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def last_entry() -> AuditEntry:
    return db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))


def test_pinned_thread_comes_first_and_the_author_is_told(cast, category):
    welcome = create_thread(cast["author"], title="Welcome, new members", category=category)
    create_thread(cast["member"], title="Numb feet at night", category=category)
    assert titles(category) == ["Numb feet at night", "Welcome, new members"]
    thread_tools.pin(cast["moderator"], welcome)
    assert titles(category) == ["Welcome, new members", "Numb feet at night"]
    entry = last_entry()
    assert (entry.action, entry.actor_id, entry.target_user_id) == ("pin", cast["moderator"].id, cast["author"].id)
    assert describe(entry) == "Pinned the thread to the top of its category"
    assert notices(cast["author"]) == ["A moderator pinned your thread “Welcome, new members” to the top of Symptoms."]


def test_a_pin_with_a_date_runs_out_and_the_thread_sorts_normally(cast, category):
    welcome = create_thread(cast["author"], title="Welcome, new members", category=category)
    create_thread(cast["member"], title="Numb feet at night", category=category)
    until = utcnow() + timedelta(days=3)
    thread_tools.pin(cast["moderator"], welcome, until)
    assert titles(category)[0] == "Welcome, new members"
    assert "until" in notices(cast["author"])[0]
    db.session.execute(update(type(welcome)).where(type(welcome).id == welcome.id)
                       .values(pinned_until=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    db.session.expire_all()
    assert titles(category) == ["Numb feet at night", "Welcome, new members"]
    assert not welcome.is_pinned()


def test_a_pin_date_in_the_past_is_refused(cast, category):
    thread = create_thread(cast["author"], category=category)
    with pytest.raises(ActionError, match="must be in the future"):
        thread_tools.pin(cast["moderator"], thread, utcnow() - timedelta(hours=1))
    assert not thread.pinned


def test_unpin_puts_the_thread_back_in_activity_order(cast, category):
    welcome = create_thread(cast["author"], title="Welcome, new members", category=category)
    create_thread(cast["member"], title="Numb feet at night", category=category)
    thread_tools.pin(cast["moderator"], welcome)
    thread_tools.unpin(cast["moderator"], welcome)
    assert titles(category) == ["Numb feet at night", "Welcome, new members"]
    assert last_entry().action == "unpin"
    with pytest.raises(ActionError, match="not pinned"):
        thread_tools.unpin(cast["moderator"], welcome)


def test_closed_thread_refuses_replies_but_its_authors_still_edit(cast, category):
    thread = create_thread(cast["author"], title="Vitamin D doses", category=category)
    reply = service.create_reply(cast["member"], thread, "I take 4000 IU.")
    thread_tools.set_closed(cast["moderator"], thread, True, note="answered")
    with pytest.raises(service.PostingRefused, match="closed"):
        service.create_reply(cast["member"], thread, "One more thing")
    assert can_edit_post(reply, cast["member"])
    service.edit_post(cast["member"], reply, "I take 4000 IU a day, checked by my neurologist.")
    assert service.create_reply(cast["moderator"], thread, "Closing: see the FAQ.").number == 3
    assert last_entry().action == "close" and last_entry().note == "answered"
    assert "no new replies, but you can still edit" in notices(cast["author"])[-1]
    thread_tools.set_closed(cast["moderator"], thread, False)
    assert service.create_reply(cast["member"], thread, "Thanks for reopening").number == 4
    assert describe(last_entry()) == "Reopened the thread for replies"


def test_lock_still_freezes_edits_where_close_does_not(cast, category):
    thread = create_thread(cast["author"], category=category)
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    thread_tools.set_closed(cast["moderator"], thread, True)
    assert can_edit_post(first, cast["author"])
    thread.locked = True
    assert not can_edit_post(first, cast["author"])


def test_move_changes_category_counts_marks_posts_for_the_index_and_tells_the_author(cast, category):
    other = create_category("Treatments & DMTs")
    thread = create_thread(cast["author"], title="Ocrevus and fatigue", category=category)
    service.create_reply(cast["member"], thread, "Same here")
    db.session.execute(update(Post).values(search_dirty=False))
    db.session.commit()
    counts = {row.category.name: (row.thread_count, row.post_count) for row in queries.category_overview(None)}
    assert counts == {"Symptoms": (1, 2), "Treatments & DMTs": (0, 0)}
    thread_tools.move(cast["moderator"], thread, other)
    counts = {row.category.name: (row.thread_count, row.post_count) for row in queries.category_overview(None)}
    assert counts == {"Symptoms": (0, 0), "Treatments & DMTs": (1, 2)}
    assert set(db.session.scalars(select(Post.search_dirty))) == {True}
    assert describe(last_entry()) == "Moved the thread from Symptoms to Treatments & DMTs"
    assert notices(cast["author"]) == ["A moderator moved your thread “Ocrevus and fatigue” to Treatments & DMTs."]


def test_move_refuses_the_same_or_an_archived_category(cast, category):
    thread = create_thread(cast["author"], category=category)
    with pytest.raises(ActionError, match="already in Symptoms"):
        thread_tools.move(cast["moderator"], thread, category)
    attic = create_category("Attic")
    attic.archived_at = utcnow()
    db.session.commit()
    with pytest.raises(ActionError, match="archived"):
        thread_tools.move(cast["moderator"], thread, attic)
    assert thread.category_id == category.id


def test_a_moderator_acting_on_their_own_thread_gets_no_notice(cast, category):
    thread = create_thread(cast["moderator"], category=category)
    thread_tools.set_closed(cast["moderator"], thread, True)
    assert notices(cast["moderator"]) == []


@pytest.mark.parametrize("tool", ["pin", "close", "move"])
def test_members_cannot_use_the_tools_and_nothing_changes(cast, category, tool):
    other = create_category("Treatments & DMTs")
    thread = create_thread(cast["author"], category=category)
    run = {"pin": lambda: thread_tools.pin(cast["member"], thread),
           "close": lambda: thread_tools.set_closed(cast["member"], thread, True),
           "move": lambda: thread_tools.move(cast["member"], thread, other)}[tool]
    with pytest.raises(ActionForbidden):
        run()
    db.session.rollback()
    assert (thread.pinned, thread.closed, thread.category_id) == (False, False, category.id)
    assert db.session.scalar(select(AuditEntry)) is None
