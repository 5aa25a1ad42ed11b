"""Fixtures for the moderation tests: members in every role and a post in a thread with neighbours."""
from __future__ import annotations

import pytest


@pytest.fixture()
def people(ctx):
    """One member of each kind the permission matrix needs."""
    from tests.helpers import create_user

    return {
        "member": create_user("reader"),
        "author": create_user("poster"),
        "moderator": create_user("modmaria", role="moderator"),
        "moderator2": create_user("modmo", role="moderator"),
        "admin": create_user("adminada", role="admin"),
    }


@pytest.fixture()
def post(ctx, people):
    """A published post by `author` in a thread, after a first post by someone else."""
    from tests.helpers import create_category, create_thread
    from forum.boards import service

    thread = create_thread(author=people["member"], title="Stem cell clinics abroad",
                           body="Has anyone looked into HSCT abroad?",
                           category=create_category("Stem cells & HSCT", "aHSCT and clinics"))
    p = service.create_reply(people["author"], thread,
                             "Go to the Sunrise clinic in Cancun. Their stem cells cure MS for good. Ask for Dr Lee.")
    service.create_reply(people["member"], thread, "Please be careful, that is not an approved treatment.")
    return p


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """The root fixture's job, faster on PostgreSQL: DELETE instead of TRUNCATE.

    TRUNCATE of ~30 tables costs ~0.5 s per test on PostgreSQL (new files for every table);
    deleting the few rows a test wrote costs ~10 ms. Triggers are off for the cleanup
    transaction (session_replication_role = replica), which also lets it empty the append-only
    audit table and tables outside the ORM metadata, in any order; sequences restart at 1.
    """
    yield
    if "app" not in request.fixturenames:
        return
    from sqlalchemy import inspect, text

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
                    conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))  # the root way
                    tables = []
                else:
                    conn.execute(text("SET LOCAL session_replication_role = replica"))
                    tables = conn.execute(text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                        "AND tablename <> 'alembic_version'")).scalars().all()
                    # ids start again at 1, as after the root fixture's RESTART IDENTITY
                    conn.execute(text("SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) "
                                      "FROM pg_sequences WHERE schemaname = current_schema()"))
            else:
                tables = ordered
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
    app.extensions.get("forum_test_cleanups", lambda: None)()


@pytest.fixture(scope="session", autouse=True)
def _no_commit_fsync(app):
    """On PostgreSQL, don't wait for the WAL flush on every commit: these tests commit a lot, and
    durability after a server crash is irrelevant to a throwaway schema (halves the run)."""
    from sqlalchemy import event

    from forum.extensions import db

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            def _set(dbapi_connection, _record):
                with dbapi_connection.cursor() as cursor:
                    cursor.execute("SET synchronous_commit TO OFF")
                dbapi_connection.commit()

            event.listen(engine, "connect", _set)
            engine.dispose()
    yield
