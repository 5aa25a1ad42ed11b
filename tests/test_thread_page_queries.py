"""The thread page asks the database a fixed number of questions, however long the thread and
however many people wrote in it (a query per post or per author made the page slow on a big forum)."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime

import pytest
from sqlalchemy import event

from forum.boards.service import create_reply
from forum.extensions import db
from forum.models import Post, Thread
from tests.helpers import FormClient, create_thread, create_user


@contextmanager
def counted_queries():
    statements: list[str] = []

    def record(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def page_queries(client, path: str) -> int:
    client.get(path)                                   # first visit: the read marker moves (one write)
    with counted_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


@pytest.fixture()
def threads(app, ctx):
    """A two-post thread, and a long one: 45 posts by 25 members, some hidden, held or deleted."""
    short = create_thread(author=create_user("Tess"), title="Short thread")
    create_reply(create_user("Sam"), short, "Same here.")
    long = create_thread(author=create_user("Priya"), title="Long thread")
    authors = [create_user(f"writer{i}") for i in range(24)]
    for i in range(44):
        create_reply(authors[i % len(authors)], long, f"reply number {i}")
    now = datetime(2024, 5, 1)
    db.session.get(Post, long_post(long, 3)).hidden_at = now
    db.session.get(Post, long_post(long, 5)).moderation_state = "held"
    db.session.get(Post, long_post(long, 7)).deleted_at = now
    db.session.commit()
    assert db.session.get(Thread, long.id).post_count == 45
    return short.id, long.id


def long_post(thread: Thread, number: int) -> int:
    return db.session.scalar(db.select(Post.id).where(Post.thread_id == thread.id, Post.number == number))


@pytest.mark.parametrize("who", ["visitor", "member", "moderator"])
def test_thread_page_query_count_does_not_grow_with_the_thread(app, threads, who):
    short, long = threads
    client = FormClient(app.test_client())
    if who != "visitor":
        create_user(f"reader_{who}", role=who)
        client.login(f"reader_{who}")
    on_short = page_queries(client, f"/t/{short}")
    on_long = page_queries(client, f"/t/{long}")
    on_page_2 = page_queries(client, f"/t/{long}?page=2")
    assert on_short == on_long == on_page_2, (on_short, on_long, on_page_2)
