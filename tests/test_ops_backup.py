"""Backups and restores (issue 16): what an operator relies on when a disk dies.

Runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set (pg_dump / pg_restore): the "fresh
instance" is then a new PostgreSQL database.
"""
from __future__ import annotations

import json
import os
import re
import tarfile
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from forum import backup
from forum.extensions import db
from tests.helpers import create_category, create_thread, create_user

MODEL = "classifier-20990101000000"
_TOKEN = re.compile(r'name="csrf_token"[^>]*>|csrf-token" content="[^"]*"')


@pytest.fixture()
def models_folder(app):
    """A model artifact in the instance's models/ folder, removed afterwards (the instance is shared)."""
    folder = Path(app.config["FORUM_INSTANCE_DIR"]) / "models" / MODEL
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "heads.json").write_text('{"labels": ["misinformation"]}')
    yield folder
    for f in folder.iterdir():
        f.unlink()
    folder.rmdir()


@pytest.fixture()
def fresh_app(app, tmp_path):
    """A second forum with an empty instance folder and an empty database, like a new server."""
    from forum import create_app

    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        url, cleanup = f"sqlite:///{tmp_path / 'restored.sqlite3'}", None
    else:
        name = f"restore_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        with app.app_context():
            schema = db.session.execute(text("SELECT current_schema()")).scalar()
            db.session.remove()
        url = re.sub(r"/[^/?]+(\?|$)", rf"/{name}\1", base, count=1)
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"

        def cleanup():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "FORUM_INSTANCE_DIR": str(tmp_path / "instance"),
                                   "SERVER_NAME": "forum.test"})
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()
    if cleanup:
        cleanup()


def _counts(flask_app) -> dict[str, int]:
    from forum.models import Post, Thread, User

    with flask_app.app_context():
        try:
            return {"users": db.session.scalar(select(func.count(User.id))),
                    "threads": db.session.scalar(select(func.count(Thread.id))),
                    "posts": db.session.scalar(select(func.count(Post.id)))}
        finally:
            db.session.remove()


def _page(flask_app, url: str) -> str:
    with flask_app.app_context():
        html = flask_app.test_client().get(url).get_data(as_text=True)
        db.session.remove()
    return _TOKEN.sub("", html)


def _forum(ctx) -> tuple[object, object]:
    author = create_user("Ines")
    category = create_category()
    quiet = create_thread(author, title="Cooling vests in summer", body="Which brand stays cold longest?",
                          category=category)
    from forum.boards import service

    for n in range(3):
        service.create_reply(create_user(f"Reader{n}"), quiet, f"I use the one with gel packs, number {n}.")
    busy = create_thread(create_user("Diarist"), title="Infusion day diary", body="Writing down how each infusion goes.",
                         category=category)
    return quiet, busy


def test_a_backup_taken_while_members_post_restores_to_the_same_forum(app, ctx, fresh_app, tmp_path, models_folder):
    from forum.boards import service
    from forum.models import Post, Thread, User

    quiet, busy = _forum(ctx)
    quiet_url, busy_id, writer_id = f"/t/{quiet.id}", busy.id, busy.author_id
    db.session.commit()
    db.session.remove()
    written, errors, stop = [], [], threading.Event()

    def writer() -> None:
        with app.app_context():
            author, thread = db.session.get(User, writer_id), db.session.get(Thread, busy_id)
            while not stop.is_set():
                try:
                    service.create_reply(author, thread, f"Day {len(written) + 1}: tired but fine.")
                    written.append(1)
                except Exception as exc:  # noqa: BLE001 - reported by the assert below
                    db.session.rollback()
                    errors.append(repr(exc))
            db.session.remove()

    def wait_for(n: int) -> None:
        while len(written) < n and not errors:
            stop.wait(0.01)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_for(3)
        before = len(written)
        archive, manifest = backup.create_backup(tmp_path / "backups")
        wait_for(len(written) + 3)
    finally:
        stop.set()
        thread.join(30)
    assert not errors
    after = _counts(app)
    # the copy is one moment in the middle of the writing: some replies are in it, the later ones are not
    assert 1 + 3 + 1 + before <= manifest.counts["posts"] < after["posts"]

    with fresh_app.app_context():
        plan = backup.restore(archive)
        assert plan.manifest.counts == manifest.counts
        restored_thread = db.session.get(Thread, busy_id)
        # the post counter and the posts were copied from the same moment
        assert restored_thread.post_count == db.session.scalar(
            select(func.count(Post.id)).where(Post.thread_id == busy_id))
        assert all(db.session.scalars(select(Post.search_dirty))), "every post is queued for the search index"
        from forum import search

        search.ensure_index()                  # what the worker does next
        while search.sync_dirty_posts():
            pass
        found = search.search("gel packs", None)   # one hit per thread
        assert [hit.thread_id for hit in found.hits] == [int(quiet_url.rsplit("/", 1)[1])]
        db.session.remove()
    assert _counts(fresh_app) == manifest.counts
    assert _page(fresh_app, quiet_url) == _page(app, quiet_url)
    assert "gel packs, number 2" in _page(fresh_app, quiet_url)
    assert (Path(fresh_app.config["FORUM_INSTANCE_DIR"]) / "models" / MODEL / "heads.json").read_text() == \
        '{"labels": ["misinformation"]}'


def test_the_archive_holds_no_secret_key_and_no_search_index(app, ctx, tmp_path, models_folder):
    from forum import search

    _forum(ctx)
    instance = Path(app.config["FORUM_INSTANCE_DIR"])
    key_file = instance / "secret_key"
    key_file.write_text("instance-file-key-" + "k" * 40 + "\n")
    search.rebuild_index()
    try:
        archive, _ = backup.create_backup(tmp_path)
    finally:
        key_file.unlink()
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        blobs = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    assert not [n for n in names if "secret" in n.lower() or n.startswith("search")]
    assert f"models/{MODEL}/heads.json" in names and "manifest.json" in names and "config.json" in names
    for blob in blobs.values():
        assert app.config["SECRET_KEY"].encode() not in blob
        assert b"instance-file-key-" not in blob
    config = json.loads(blobs["config.json"])
    assert "SECRET_KEY" not in config and "SQLALCHEMY_DATABASE_URI" not in config
    assert config["POSTS_PER_PAGE"] == app.config["POSTS_PER_PAGE"]
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    assert not [p for p in archive.parent.iterdir() if p.name.endswith(".partial")]


def test_restore_refuses_a_forum_that_already_has_posts(app, ctx, tmp_path):
    _forum(ctx)
    archive, _ = backup.create_backup(tmp_path)
    create_user("Late")  # the live forum moves on after the backup
    before = _counts(app)
    result = app.test_cli_runner().invoke(args=["forum", "restore", str(archive)])
    assert result.exit_code != 0
    assert "Refusing to restore" in result.output and "already has" in result.output
    assert _counts(app) == before


def test_dry_run_says_what_it_would_restore_and_changes_nothing(app, fresh_app, tmp_path, models_folder):
    # no app context held open here: each CLI run must use its own app's
    with app.app_context():
        _forum(app)
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["forum", "backup", "--to", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    (archive,) = backup.archives(tmp_path / "b")
    counts = backup.read_manifest(archive).counts
    target_instance = Path(fresh_app.config["FORUM_INSTANCE_DIR"])
    before = sorted(p.relative_to(target_instance) for p in target_instance.rglob("*"))

    result = fresh_app.test_cli_runner().invoke(args=["forum", "restore", "--dry-run", str(archive)])
    assert result.exit_code == 0, result.output
    kind = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    assert f"Database: {kind}" in result.output
    assert f"{counts['users']} users, {counts['threads']} threads, {counts['posts']} posts" in result.output
    assert MODEL in result.output and "nothing was changed" in result.output
    assert sorted(p.relative_to(target_instance) for p in target_instance.rglob("*")) == before
    with fresh_app.app_context():
        assert backup.current_counts() == {"users": 0, "threads": 0, "posts": 0}
        db.session.remove()


def test_the_scheduled_backup_is_off_by_default_and_keeps_the_newest(app, ctx, tmp_path, monkeypatch):
    create_user("Solo")
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "daily"))
    start = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)
    assert app.config["BACKUP_EVERY_HOURS"] == 0
    assert backup.run_scheduled_if_due(start) == 0 and backup.archives() == []

    monkeypatch.setitem(app.config, "BACKUP_EVERY_HOURS", 24)
    monkeypatch.setitem(app.config, "BACKUP_KEEP", 3)
    made = [backup.run_scheduled_if_due(start + timedelta(hours=h)) for h in (0, 1, 24, 30, 48, 72, 96)]
    assert made == [1, 0, 1, 0, 1, 1, 1]     # not again within 24 hours
    kept = [backup.taken_at(p) for p in backup.archives()]
    assert kept == [(start + timedelta(hours=h)).replace(tzinfo=None) for h in (48, 72, 96)]


def test_restore_of_something_that_is_not_a_backup_says_so(fresh_app, tmp_path):
    bogus = tmp_path / "forum-backup-20260101T000000Z.tar.gz"
    bogus.write_bytes(b"not a tar file")
    result = fresh_app.test_cli_runner().invoke(args=["forum", "restore", str(bogus)])
    assert result.exit_code != 0 and "not a readable forum backup" in result.output
