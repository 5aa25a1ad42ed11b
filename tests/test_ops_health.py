"""/healthz and /metrics (issue 16): what a load balancer and a monitoring host see."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from forum import heartbeat
from forum.extensions import db
from forum.models import utcnow
from tests.helpers import create_thread, create_user, score_pending

OUTSIDER = {"REMOTE_ADDR": "203.0.113.9"}


def _metric(body: str, name: str, labels: str = "") -> float | None:
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", body, re.M)
    return float(match.group(1)) if match else None


def test_a_quiet_forum_is_healthy(app, ctx, client):
    create_user()
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "ok" and data["problems"] == []
    assert data["database"]["reachable"] is True
    assert data["moderation"]["pending_posts"] == 0
    assert data["backup"]["last"] is None


def test_posts_waiting_with_a_stale_worker_heartbeat_is_unhealthy_until_the_worker_beats(app, ctx, client):
    create_thread(body="Does anyone else get the MS hug at night?")
    heartbeat.beat(now=utcnow() - timedelta(seconds=app.config["HEALTH_MAX_HEARTBEAT_AGE"] + 60))
    response = client.get("/healthz")
    assert response.status_code == 503
    data = response.get_json()
    assert data["status"] == "unhealthy"
    assert data["moderation"]["pending_posts"] == 1
    assert data["worker"]["heartbeat_age_seconds"] > app.config["HEALTH_MAX_HEARTBEAT_AGE"]
    assert "wait for scoring" in data["problems"][0]

    heartbeat.beat()
    assert client.get("/healthz").status_code == 200


def test_no_worker_ever_with_posts_waiting_is_unhealthy_and_without_them_fine(app, ctx, client):
    create_thread()
    assert client.get("/healthz").status_code == 503
    score_pending()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["worker"]["heartbeat_age_seconds"] is None


def test_the_worker_loop_records_its_heartbeat(app, ctx, monkeypatch):
    from moderation import worker

    monkeypatch.setattr(worker, "load_model", lambda state, echo: None)  # no classifier: posts stay pending
    assert heartbeat.last_seen() is None
    worker.run(once=True, echo=lambda _line: None)
    assert heartbeat.age_seconds() is not None and heartbeat.age_seconds() < 60


def test_an_unreachable_database_answers_503_without_details(tmp_path):
    from forum import create_app

    broken = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/forum.sqlite3",
                                    "FORUM_INSTANCE_DIR": str(tmp_path / "instance")})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    data = response.get_json()
    assert data["database"] == {"reachable": False}
    text = response.get_data(as_text=True)
    assert "missing/dir" not in text and broken.config["SECRET_KEY"] not in text


def test_health_shows_the_last_backup(app, ctx, client, tmp_path, monkeypatch):
    from forum import backup

    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path))
    create_user()
    backup.create_backup()
    data = client.get("/healthz").get_json()
    assert data["backup"]["last"] is not None and data["backup"]["age_seconds"] < 120
    assert str(tmp_path) not in client.get("/healthz").get_data(as_text=True)


def test_metrics_from_the_monitoring_host(app, ctx, client):
    from moderation.models import ModerationFlag

    from sqlalchemy import select

    from forum.models import Post

    thread = create_thread(body="A post the worker has not scored yet")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    db.session.add(ModerationFlag(post_id=post.id, label="misinformation", score=0.9, reasons=[], sentences=[],
                                  model_version="t"))
    db.session.commit()
    heartbeat.beat()
    client.get(f"/t/{thread.id}")
    client.get("/no-such-page")

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    body = response.get_data(as_text=True)
    assert _metric(body, "forum_posts_pending") == 1
    assert _metric(body, "forum_users") == 1 and _metric(body, "forum_posts") == 1
    assert _metric(body, "forum_moderation_flags", '{label="misinformation",state="open"}') == 1
    assert _metric(body, "forum_moderation_queue_open") is not None
    assert _metric(body, "forum_worker_heartbeat_age_seconds") < 60
    assert _metric(body, "forum_http_requests_total", '{endpoint="boards.thread",method="GET",status="200"}') >= 1
    assert _metric(body, "forum_http_requests_total", '{endpoint="none",method="GET",status="404"}') >= 1
    assert _metric(body, "forum_http_request_duration_seconds_count", '{endpoint="boards.thread"}') >= 1


def test_metrics_are_not_there_for_other_addresses(app, ctx, client, monkeypatch):
    assert client.get("/metrics", environ_base=OUTSIDER).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    monkeypatch.setitem(app.config, "METRICS_ALLOWED", "10.0.0.0/8")
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 200
    assert client.get("/metrics").status_code == 404   # loopback is no longer listed


@pytest.mark.parametrize("address,allowed,expected", [
    ("127.0.0.1", "127.0.0.1,::1", True), ("::1", "127.0.0.1,::1", True), ("192.168.1.5", "127.0.0.1", False),
    ("192.168.1.5", "192.168.1.0/24", True), ("not an ip", "127.0.0.1", False), ("127.0.0.1", "junk, 127.0.0.1", True),
])
def test_metrics_address_list(address, allowed, expected):
    from forum.metrics import address_allowed

    assert address_allowed(address, allowed) is expected
