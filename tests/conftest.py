"""One app per test session on a fresh database; every test starts from empty tables.

SQLite by default; PostgreSQL when TEST_DATABASE_URL is set, in a schema of its own so
concurrent runs never see each other's rows.
"""
from __future__ import annotations

import os
import re
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from tests.helpers import FormClient  # noqa: E402


def _database_url(tmp_path_factory) -> tuple[str, str | None]:
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}", None
    schema = f"test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    # synchronous_commit off: a throwaway schema needs no WAL flush per commit (halves the run)
    return f"{base}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff", schema


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    from forum import create_app

    url, schema = _database_url(tmp_path_factory)
    instance = tmp_path_factory.mktemp("instance")
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": url,
        "FORUM_INSTANCE_DIR": str(instance),
        "SERVER_NAME": "forum.test",
    })
    with app.app_context():
        upgrade()
    yield app
    if schema:
        from forum.extensions import db

        with app.app_context():
            db.engine.dispose()
        engine = create_engine(os.environ["TEST_DATABASE_URL"])
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Empty every table after each test that used the database: DELETE, not TRUNCATE.

    TRUNCATE of ~30 tables costs ~0.5 s per test on PostgreSQL (new files for every table);
    deleting the few rows a test wrote costs ~10 ms. Triggers are off for the cleanup
    transaction (session_replication_role = replica), which also lets it empty the append-only
    audit table and tables outside the ORM metadata, in any order; sequences restart at 1.
    """
    yield
    if "app" not in request.fixturenames:
        return
    from forum.extensions import db

    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            existing = set(inspect(conn).get_table_names())
            ordered = [t.name for t in reversed(db.metadata.sorted_tables) if t.name in existing]
            if db.engine.dialect.name == "postgresql":
                if conn.execute(text("SELECT current_setting('is_superuser')")).scalar() != "on":
                    names = ", ".join(f'"{t}"' for t in ordered)
                    conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                    tables = []
                else:
                    conn.execute(text("SET LOCAL session_replication_role = replica"))
                    tables = conn.execute(text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                        "AND tablename <> 'alembic_version'")).scalars().all()
                    # ids start again at 1, as with RESTART IDENTITY
                    conn.execute(text("SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
                                      "FROM pg_sequences WHERE schemaname = current_schema()"))
            else:
                tables = ordered
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
    app.extensions.get("forum_test_cleanups", lambda: None)()


@pytest.fixture()
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture()
def client(app) -> FormClient:
    return FormClient(app.test_client())


@pytest.fixture()
def make_user(ctx):
    from tests.helpers import create_user

    return create_user


@pytest.fixture()
def make_thread(ctx):
    from tests.helpers import create_thread

    return create_thread


def pytest_collection_modifyitems(config, items):
    for item in items:
        if re.search(r"[\\/]e2e[\\/]", str(item.fspath)):
            item.add_marker(pytest.mark.e2e)
