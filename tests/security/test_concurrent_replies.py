"""Replies posted at the same moment all land, numbered in order; a failure never loses the text (audit finding 5)."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from forum.boards import service
from forum.comfort.models import Draft
from forum.extensions import db
from forum.models import Post, Thread, User
from tests.helpers import create_category, create_thread, create_user

WRITERS = 6


def test_simultaneous_replies_to_one_thread_all_land(app, ctx):
    thread_id = create_thread(author=create_user("Tess"), category=create_category()).id
    user_ids = [create_user(f"writer{n}").id for n in range(WRITERS)]
    barrier, failures = threading.Barrier(WRITERS), []

    def reply(user_id: int) -> None:
        with app.app_context():
            try:
                user, thread = db.session.get(User, user_id), db.session.get(Thread, thread_id)
                _ = thread.post_count, thread.locked  # each request has read the thread before posting
                barrier.wait(timeout=10)
                service.create_reply(user, thread, f"Cooling vests help me, says writer {user_id}.")
            except Exception as exc:  # noqa: BLE001 - collected and reported below
                failures.append(repr(exc))
            finally:
                db.session.remove()

    workers = [threading.Thread(target=reply, args=(uid,)) for uid in user_ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert failures == []
    db.session.expire_all()
    numbers = sorted(db.session.scalars(select(Post.number).where(Post.thread_id == thread_id)))
    assert numbers == list(range(1, WRITERS + 2))
    assert db.session.get(Thread, thread_id).post_count == WRITERS + 1


@pytest.fixture()
def always_busy(monkeypatch):
    """Call it once the scene is set: from then on every write of a post fails as a locked database does."""
    def refuse(*args, **kwargs):
        raise OperationalError("INSERT INTO posts ...", {}, Exception("database is locked"))

    def start() -> None:
        monkeypatch.setattr(service, "_add_post", refuse)
        monkeypatch.setattr(time, "sleep", lambda seconds: None)

    return start


BODY = "Three weeks of Tecfidera flushing, and what finally helped me."


def test_a_reply_that_cannot_be_saved_goes_to_the_drafts(client, ctx, always_busy):
    create_thread(author=create_user("Tess"), category=create_category())
    client.login("Tess")
    always_busy()
    response = client.post_form("/t/1/reply", {"body": BODY}, token_page="/t/1/reply")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "could not save your post" in html and "kept in your drafts" in html and BODY in html
    assert [d.body for d in db.session.scalars(select(Draft))] == [BODY]
    assert BODY in client.get("/drafts").get_data(as_text=True)


def test_a_new_thread_that_cannot_be_saved_goes_to_the_drafts(client, ctx, always_busy):
    create_user("Tess")
    create_category()
    client.login("Tess")
    always_busy()
    response = client.post_form("/c/treatments-dmts/new", {"title": "Flushing", "body": BODY},
                                token_page="/c/treatments-dmts/new")
    assert response.status_code == 503
    [draft] = db.session.scalars(select(Draft)).all()
    assert (draft.title, draft.body) == ("Flushing", BODY)
