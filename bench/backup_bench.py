"""Backup benchmark: back up a 100,000-post SQLite forum while members keep posting, then restore it.

    .venv/bin/python bench/backup_bench.py                    # 100,000 posts, a writer at 10 posts/s
    .venv/bin/python bench/backup_bench.py --posts 20000 --rate 20

Builds the forum with bulk inserts (core executemany, no Markdown rendering: the bodies are short
paragraphs stored as their own HTML), then times `forum.backup.create_backup` while a thread posts
replies through the board service at --rate posts a second, and reports the writer's errors and its
slowest reply (what a member would feel during the backup). Then times `forum.backup.restore` into a
fresh instance and checks the counts. Numbers go in the issue note; nothing here asserts a target.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import author_names, post_body  # noqa: E402


def build(app, posts: int, per_thread: int = 25, seed: int = 7) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from forum.extensions import db
    from forum.models import Category, Post, Thread, User, utcnow
    from forum.text import name_key, skeleton

    rng = random.Random(seed)
    with app.app_context():
        upgrade()
        names = author_names(max(50, posts // 100), rng)
        now = utcnow()
        db.session.execute(insert(User), [
            {"username": n, "username_key": name_key(n), "username_skeleton": skeleton(n),
             "email": f"u{i}@example.org", "password_hash": "x", "created_at": now} for i, n in enumerate(names)])
        db.session.execute(insert(Category), [{"name": "Treatments", "slug": "treatments"}])
        threads = (posts + per_thread - 1) // per_thread
        db.session.execute(insert(Thread), [
            {"category_id": 1, "author_id": 1 + t % len(names), "title": f"Thread {t}: fatigue and heat",
             "slug": f"thread-{t}", "post_count": min(per_thread, posts - t * per_thread),
             "created_at": now, "last_posted_at": now} for t in range(threads)])
        batch = []
        for i in range(posts):
            body = post_body(rng, names)
            batch.append({"thread_id": 1 + i // per_thread, "author_id": 1 + rng.randrange(len(names)),
                          "number": 1 + i % per_thread, "body": body, "body_html": f"<p>{body}</p>",
                          "created_at": now - timedelta(seconds=posts - i), "moderation_state": "clean",
                          "search_dirty": False})
            if len(batch) == 5000:
                db.session.execute(insert(Post), batch)
                batch = []
        if batch:
            db.session.execute(insert(Post), batch)
        db.session.commit()


def writer(app, rate: float, stop: threading.Event, out: dict) -> None:
    from forum.boards import service
    from forum.extensions import db
    from forum.models import Thread, User

    with app.app_context():
        author, thread = db.session.get(User, 1), db.session.get(Thread, 1)
        n = 0
        while not stop.is_set():
            started = time.perf_counter()
            try:
                service.create_reply(author, thread, f"Still here, reply {n}: the cooling vest helps.")
                out["ok"] += 1
            except Exception as exc:  # noqa: BLE001 - counted and reported
                db.session.rollback()
                out["errors"].append(repr(exc)[:200])
            took = time.perf_counter() - started
            out["slowest"] = max(out["slowest"], took)
            n += 1
            stop.wait(max(0.0, 1.0 / rate - took))
        db.session.remove()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--rate", type=float, default=10.0, help="replies a second during the backup")
    args = ap.parse_args()

    from forum import backup, create_app
    from forum.extensions import db

    with tempfile.TemporaryDirectory(prefix="backup-bench-") as work:
        work = Path(work)
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'forum.sqlite3'}",
                                     "FORUM_INSTANCE_DIR": str(work / "a")})
        started = time.perf_counter()
        build(app, args.posts)
        size = (work / "forum.sqlite3").stat().st_size / 1e6
        print(f"built {args.posts:,} posts in {time.perf_counter() - started:.1f} s ({size:,.0f} MB database)")

        out = {"ok": 0, "errors": [], "slowest": 0.0}
        stop = threading.Event()
        thread = threading.Thread(target=writer, args=(app, args.rate, stop, out))
        thread.start()
        time.sleep(1.0)   # the writer is in its stride before the backup starts
        with app.app_context():
            started = time.perf_counter()
            archive, manifest = backup.create_backup(work / "backups")
            backup_seconds = time.perf_counter() - started
        time.sleep(1.0)
        stop.set()
        thread.join()
        print(f"backup: {backup_seconds:.2f} s, archive {archive.stat().st_size / 1e6:,.1f} MB, "
              f"{manifest.counts['posts']:,} posts in it")
        print(f"writer at {args.rate:g}/s: {out['ok']} replies, {len(out['errors'])} errors, "
              f"slowest reply {out['slowest'] * 1000:.0f} ms")
        for error in out["errors"][:5]:
            print("  error:", error)

        fresh = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'restored.sqlite3'}",
                                       "FORUM_INSTANCE_DIR": str(work / "b")})
        with fresh.app_context():
            started = time.perf_counter()
            backup.restore(archive)
            restore_seconds = time.perf_counter() - started
            counts = backup.current_counts()
            db.session.remove()
        print(f"restore: {restore_seconds:.2f} s; counts {'match' if counts == manifest.counts else 'DIFFER'} "
              f"({counts})")


if __name__ == "__main__":
    main()
