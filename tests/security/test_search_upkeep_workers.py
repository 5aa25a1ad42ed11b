"""Audit finding 10: several workers keeping the PostgreSQL search index must never deadlock.

Four workers on PostgreSQL died with "DeadlockDetected ... while inserting index tuple in relation
post_search": a worker that claims a thread's first post re-indexes the whole thread (its title
changed), so workers write overlapping rows of post_search, and each wrote them in whatever order
the database returned them. Here four workers sync a few hundred dirty posts at once, in small
batches so that their threads overlap, and every post must end up indexed exactly once.
"""
from __future__ import annotations

import logging
import os
import threading

import pytest
from sqlalchemy import func, select, text, update

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                       reason="needs PostgreSQL (set TEST_DATABASE_URL)"),
]

WORKERS = 4
THREADS = 40
REPLIES = 6          # each new thread and a reply to each of the six before it: about 280 posts
BATCH = 12           # small batches: a batch holds first posts of threads whose replies other workers claimed


@pytest.fixture()
def dirty_forum(app, ctx):
    from forum.boards import service
    from forum.extensions import db
    from forum.models import Post
    from tests.helpers import create_category, create_user

    app.config["SEARCH_BACKEND"] = "postgres"
    author = create_user("Writer")
    category = create_category()
    # threads start one after another while the earlier ones get replies, so first posts and
    # replies of every thread are spread over the whole id range, as on a live forum
    threads = []
    for n in range(THREADS):
        threads.append(service.create_thread(author, category, f"Fatigue question {n}",
                                             f"Body of thread {n} about fatigue."))
        for thread in threads[-REPLIES:]:
            service.create_reply(author, thread, f"Reply in thread {thread.id}: amantadine helped a little.")
    db.session.execute(update(Post).values(search_dirty=True))
    db.session.execute(text("DELETE FROM post_search"))
    db.session.commit()
    yield db.session.scalar(select(func.count(Post.id)))
    app.config["SEARCH_BACKEND"] = ""


def test_four_workers_index_every_post_once_without_deadlock(app, dirty_forum, caplog, monkeypatch):
    from forum.extensions import db
    from forum.models import Post
    from forum.search import postgres_backend, sync_dirty_posts

    # the migrations' logging.config.fileConfig disables loggers that existed before it ran
    monkeypatch.setattr(postgres_backend.log, "disabled", False)

    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def worker() -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                # a few empty passes in a row: the others may hold the remaining rows for a moment
                idle = 0
                while idle < 3:
                    idle = 0 if sync_dirty_posts(BATCH) else idle + 1
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    caplog.set_level(logging.WARNING, logger="forum.search")
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(WORKERS)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in pool), "a worker was still running after two minutes"
    assert not errors, errors
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not problems, [(r.getMessage(), str(r.exc_info[1]) if r.exc_info else "") for r in problems]

    db.session.expire_all()
    assert db.session.scalar(select(func.count(Post.id)).where(Post.search_dirty.is_(True))) == 0
    rows = db.session.execute(text("SELECT post_id, count(*) FROM post_search GROUP BY post_id")).all()
    assert sorted(post_id for post_id, _ in rows) == list(range(1, dirty_forum + 1))
    assert all(n == 1 for _, n in rows)
