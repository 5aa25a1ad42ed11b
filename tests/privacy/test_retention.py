"""Hashed addresses, the retention purge (command, worker, rules from config) and the privacy page."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, inspect, select, text

from forum.extensions import db
from forum.models import Post, PostRevision, utcnow
from forum.privacy import iphash, retention
from forum.privacy.models import IpRecord, PurgeRun, UsernameReservation
from tests.helpers import FormClient, create_thread, create_user


def all_text_in_database() -> str:
    """Every value in every table, as one string (small test databases only)."""
    chunks = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                chunks.append(" ".join(str(v) for v in row))
    return "\n".join(chunks)


# --------------------------------------------------------------------------- addresses

def test_logins_keep_only_a_keyed_hash_of_the_address(app, ctx):
    tess = create_user("Tess")
    client = FormClient(app.test_client())
    client.post_form("/login", {"login": "Tess", "password": "correct horse battery"},
                     environ_base={"REMOTE_ADDR": "203.0.113.77"})
    [record] = db.session.scalars(select(IpRecord).where(IpRecord.user_id == tess.id)).all()
    assert record.ip_hash == iphash.hash_ip("203.0.113.77", app.config["SECRET_KEY"])
    assert len(record.ip_hash) == 32 and "203.0.113" not in record.ip_hash
    assert "203.0.113.77" not in all_text_in_database()


def test_the_hash_depends_on_the_secret_key(app):
    assert iphash.hash_ip("203.0.113.77", "one key") != iphash.hash_ip("203.0.113.77", "another key")
    assert iphash.hash_ip("203.0.113.77", "k") == iphash.hash_ip("203.0.113.77", "k")


def test_the_rate_limiter_keys_on_the_hash(app):
    from forum.extensions import limiter

    with app.test_request_context("/login", environ_base={"REMOTE_ADDR": "198.51.100.9"}):
        key = limiter._key_func()
    assert key == "ip:" + iphash.hash_ip("198.51.100.9", app.config["SECRET_KEY"])
    assert "198.51.100" not in key


def test_logging_in_again_from_the_same_network_updates_one_record(app, ctx):
    tess = create_user("Tess")
    for _ in range(3):
        client = FormClient(app.test_client())
        client.login("Tess")
    assert db.session.scalar(select(func.count(IpRecord.id)).where(IpRecord.user_id == tess.id)) == 1


def test_admins_see_accounts_from_the_same_network(app, ctx, login):
    tess, ben, admin = create_user("Tess"), create_user("Ben"), create_user("Admin", role="admin")
    for name, address in (("Tess", "203.0.113.5"), ("Ben", "203.0.113.5")):
        FormClient(app.test_client()).post_form("/login", {"login": name, "password": "correct horse battery"},
                                                environ_base={"REMOTE_ADDR": address})
    page = FormClient(app.test_client())
    page.post_form("/login", {"login": "Admin", "password": "correct horse battery"},
                   environ_base={"REMOTE_ADDR": "192.0.2.1"})
    html = page.get(f"/admin/users/{tess.id}").get_data(as_text=True)
    assert "same network" in html and f'/admin/users/{ben.id}"' in html and f'/admin/users/{admin.id}"' not in html


# --------------------------------------------------------------------------- the purge

def seed_old_and_new(now):
    """One old and one recent item for every rule."""
    from forum.boards import service
    from forum.comfort.models import Draft

    tess = create_user("Tess")
    old_record = IpRecord(user_id=tess.id, ip_hash="a" * 32, first_seen=now - timedelta(days=40),
                          last_seen=now - timedelta(days=31))
    new_record = IpRecord(user_id=tess.id, ip_hash="b" * 32, first_seen=now - timedelta(days=40),
                          last_seen=now - timedelta(days=29))
    thread = create_thread(author=tess, title="Old and new")
    old_post = service.create_reply(tess, thread, "Deleted long ago")
    new_post = service.create_reply(tess, thread, "Deleted yesterday")
    service.delete_post(tess, old_post)
    service.delete_post(tess, new_post)
    old_post.deleted_at = now - timedelta(days=31)
    new_post.deleted_at = now - timedelta(days=1)
    db.session.add_all([
        old_record, new_record,
        UsernameReservation(name="Gone", name_key="gone", user_id=None, created_at=now - timedelta(days=91),
                            expires_at=now - timedelta(days=1)),
        UsernameReservation(name="Kept", name_key="kept", user_id=None, created_at=now, expires_at=now + timedelta(days=89)),
        Draft(user_id=None, thread_id=thread.id, title="", body="lost words", claim_hash="c" * 64,
              created_at=now - timedelta(days=8), updated_at=now - timedelta(days=8)),
        Draft(user_id=None, thread_id=thread.id, title="", body="recent words", claim_hash="d" * 64,
              created_at=now, updated_at=now),
    ])
    db.session.commit()
    return old_post, new_post


def test_purge_applies_every_rule_and_is_idempotent(ctx):
    now = utcnow()
    old_post, new_post = seed_old_and_new(now)
    report = retention.purge(now=now)
    assert report.as_dict() == {"ip_records": 1, "deleted_posts": 1, "exports": 0, "username_reservations": 1,
                                "pending_drafts": 1}
    db.session.expire_all()
    assert db.session.get(Post, old_post.id).body == ""
    assert db.session.get(Post, new_post.id).body == "Deleted yesterday"
    assert db.session.scalar(select(func.count(PostRevision.id)).where(PostRevision.post_id == old_post.id)) == 0
    assert db.session.scalar(select(func.count(IpRecord.id))) == 1
    assert retention.purge(now=now).total == 0


def test_retention_periods_come_from_config(app, ctx, monkeypatch):
    now = utcnow()
    seed_old_and_new(now)
    monkeypatch.setitem(app.config, "IP_RETENTION_DAYS", 100)
    monkeypatch.setitem(app.config, "DELETED_POST_RETENTION_DAYS", 0)
    report = retention.purge(now=now)
    assert report.as_dict()["ip_records"] == 0 and report.as_dict()["deleted_posts"] == 2


def test_the_purge_command_prints_what_it_removed(app, ctx):
    seed_old_and_new(utcnow())
    result = app.test_cli_runner().invoke(args=["forum", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 hashed login address not used for 30 days removed" in result.output
    assert "1 deleted post older than 30 days erased" in result.output
    assert "0 data exports older than 7 days removed" in result.output
    assert "1 username reservation older than 90 days removed" in result.output
    assert "1 unclaimed draft older than 7 days removed" in result.output
    again = app.test_cli_runner().invoke(args=["forum", "purge"])
    assert "Retention purge done: 0 removed in all." in again.output
    assert db.session.scalar(select(func.count(PurgeRun.id))) == 2


def test_a_nonsense_setting_is_named(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "IP_RETENTION_DAYS", -1)
    result = app.test_cli_runner().invoke(args=["forum", "purge"])
    assert result.exit_code != 0 and "IP_RETENTION_DAYS" in result.output


def test_the_worker_purges_once_a_day(app, ctx):
    from moderation.worker import WorkerState, run_once

    now = utcnow()
    seed_old_and_new(now)
    assert run_once(WorkerState()) >= 4
    run_once(WorkerState())  # the search index catches up with the erased post
    assert run_once(WorkerState()) == 0  # nothing pending, purged less than a day ago
    assert retention.run_daily_if_due(now + timedelta(hours=23)) == 0
    assert db.session.scalar(select(func.count(PurgeRun.id))) == 1
    retention.run_daily_if_due(now + timedelta(hours=25))
    assert db.session.scalar(select(func.count(PurgeRun.id))) == 2
    assert db.session.scalar(select(PurgeRun.source).order_by(PurgeRun.id)) == "worker"


# --------------------------------------------------------------------------- the privacy page

def test_privacy_page_is_linked_from_every_page_and_states_the_rules(client, ctx):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/privacy"' in home
    page = client.get("/privacy").get_data(as_text=True)
    for phrase in ("30 days", "IP_RETENTION_DAYS", "DELETED_POST_RETENTION_DAYS", "7 days", "90 days",
                   "Download your data", "Delete your account", "keyed hash"):
        assert phrase in page, phrase


def test_privacy_page_follows_the_config_the_purge_uses(app, client, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "IP_RETENTION_DAYS", 12)
    monkeypatch.setitem(app.config, "EXPORT_RETENTION_DAYS", 3)
    page = client.get("/privacy").get_data(as_text=True)
    row = page[page.index('id="rule-ip_records"'):]
    assert "12 days" in row[:row.index("</tr>")]
    assert "works for 3 days" in page
    assert {r.key: r.days for r in retention.rules()}["ip_records"] == 12
