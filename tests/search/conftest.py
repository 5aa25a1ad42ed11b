"""Run every search test against each backend this database supports.

Whoosh runs on SQLite and on PostgreSQL test runs; the PostgreSQL backend only when the test
database is PostgreSQL. Each test starts from an empty index.
"""
from __future__ import annotations

import os

import pytest

from tests.helpers import create_category, create_user


def _dialect(app) -> str:
    from forum.extensions import db

    with app.app_context():
        return db.engine.dialect.name


BACKENDS = ["whoosh", "postgres"] if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql") else ["whoosh"]


@pytest.fixture(params=BACKENDS)
def backend(request, app):
    assert request.param == "whoosh" or _dialect(app) == "postgresql"
    previous = app.config.get("SEARCH_BACKEND")
    app.config["SEARCH_BACKEND"] = request.param
    from forum.search import rebuild_index, speller

    with app.app_context():
        if request.param == "whoosh":
            rebuild_index()       # PostgreSQL's post_search is emptied with posts (TRUNCATE ... CASCADE)
        speller.forget_title_words()
    yield request.param
    app.config["SEARCH_BACKEND"] = previous


@pytest.fixture()
def forum(backend, ctx):
    """A small forum about MS treatments, indexed."""
    from tests.search.corpus import build_forum

    return build_forum()


@pytest.fixture()
def sync(ctx):
    from forum.search import sync_dirty_posts

    def run() -> int:
        total = 0
        while (n := sync_dirty_posts()):
            total += n
        return total
    return run


@pytest.fixture()
def member(ctx):
    return create_user()


@pytest.fixture()
def category(ctx):
    return create_category()
