"""Pressing post twice (or a browser resending the form) posts once (audit finding 14)."""
from __future__ import annotations

import re
import threading

from sqlalchemy import func, select

from forum.boards import service
from forum.extensions import db
from forum.models import Post, Thread, User
from tests.helpers import create_category, create_thread, create_user

_SUBMISSION = re.compile(r'name="submission" value="([^"]+)"')


def _form_fields(client, page: str) -> dict:
    html = client.get(page).get_data(as_text=True)
    return {"csrf_token": client.token(page), "submission": _SUBMISSION.search(html).group(1)}


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


def test_a_double_click_on_reply_posts_once(client, ctx):
    create_thread(author=create_user("Tess"), category=create_category())
    client.login("Tess")
    fields = _form_fields(client, "/t/1")  # the reply form under the thread
    first = client.post("/t/1/reply", data={**fields, "body": "Cooling vests work for me."})
    second = client.post("/t/1/reply", data={**fields, "body": "Cooling vests work for me."})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(Post) == 2
    html = client.get("/t/1").get_data(as_text=True)
    assert html.count("Cooling vests work for me.") == 1


def test_a_double_click_on_new_thread_starts_one_thread(client, ctx):
    create_user("Tess")
    create_category()
    client.login("Tess")
    fields = _form_fields(client, "/c/treatments-dmts/new")
    data = {**fields, "title": "Heat and fatigue", "body": "Does anyone else fade in summer?"}
    first, second = client.post("/c/treatments-dmts/new", data=data), client.post("/c/treatments-dmts/new", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(Thread) == 1


def test_each_new_form_posts_again(client, ctx):
    create_thread(author=create_user("Tess"), category=create_category())
    client.login("Tess")
    for _ in range(2):
        client.post("/t/1/reply", data={**_form_fields(client, "/t/1/reply"), "body": "Same words, meant twice."})
    assert _count(Post) == 3


def test_two_presses_at_the_same_moment_post_once(app, ctx):
    thread_id = create_thread(author=create_user("Tess"), category=create_category()).id
    user_id = create_user("Sam").id
    barrier, failures = threading.Barrier(2), []

    def press() -> None:
        with app.app_context():
            try:
                user, thread = db.session.get(User, user_id), db.session.get(Thread, thread_id)
                barrier.wait(timeout=10)
                service.create_reply(user, thread, "Pressed twice.", submission="k" * 32)
            except Exception as exc:  # noqa: BLE001 - reported below
                failures.append(repr(exc))
            finally:
                db.session.remove()

    presses = [threading.Thread(target=press) for _ in range(2)]
    for p in presses:
        p.start()
    for p in presses:
        p.join(timeout=60)
    assert failures == []
    assert _count(Post) == 2
