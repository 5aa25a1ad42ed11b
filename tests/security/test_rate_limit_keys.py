"""Rate limits behind a proxy, per member, and shared through Redis (audit finding 15)."""
from __future__ import annotations

import pytest

from forum.extensions import limiter
from tests.helpers import FormClient, create_category, create_thread, create_user


@pytest.fixture()
def own_limiter(app):
    """Building another app re-binds the shared limiter; put the test app's storage back afterwards."""
    saved = limiter._storage, limiter._limiter, limiter.enabled
    yield
    limiter._storage, limiter._limiter, limiter.enabled = saved


def _other_app(tmp_path, **overrides):
    from flask_migrate import upgrade

    from forum import create_app

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'f.sqlite3'}",
                                 "FORUM_INSTANCE_DIR": str(tmp_path), "SERVER_NAME": "forum.test", **overrides})
    with app.app_context():
        upgrade()
    return app


def _reply(client: FormClient, thread_id: int, text: str, address: str):
    token = client.token(f"/t/{thread_id}/reply")
    return client.post(f"/t/{thread_id}/reply", data={"csrf_token": token, "body": text},
                       environ_base={"REMOTE_ADDR": address})


def test_a_member_who_changes_networks_is_still_limited(app, client, ctx):
    app.config["RATE_POST"] = "2 per minute"
    limiter.reset()
    try:
        thread = create_thread(author=create_user("Tess"), category=create_category())
        client.login("Tess")
        assert _reply(client, thread.id, "First answer", "198.51.100.1").status_code == 302
        assert _reply(client, thread.id, "Second answer", "198.51.100.2").status_code == 302
        response = _reply(client, thread.id, "Third answer", "198.51.100.3")
        assert response.status_code == 429
    finally:
        app.config["RATE_POST"] = "100000 per second"
        limiter.reset()


def test_forwarded_addresses_count_only_behind_the_configured_proxies(own_limiter, tmp_path):
    seen = []
    behind = _other_app(tmp_path, FORUM_PROXY_HOPS=1)

    @behind.get("/_whoami")
    def whoami():
        from flask import request

        seen.append(request.remote_addr)
        return "ok"

    behind.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9"},
                             environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert seen == ["203.0.113.9"]  # the address the limiter and login records hash


def test_without_proxies_a_forged_forwarded_header_changes_nothing(app, client):
    seen = []
    with app.test_request_context("/", headers={"X-Forwarded-For": "203.0.113.9"},
                                  environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        from flask import request

        seen.append(request.remote_addr)
    assert app.config["FORUM_PROXY_HOPS"] == 0 and seen == ["198.51.100.7"]
    assert client.get("/", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200


def test_a_negative_hop_count_is_refused_with_a_clear_message(own_limiter, tmp_path):
    with pytest.raises(RuntimeError, match="FORUM_PROXY_HOPS"):
        _other_app(tmp_path, FORUM_PROXY_HOPS=-1)


def test_rate_limits_use_redis_whenever_redis_url_is_set(own_limiter, tmp_path):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    _other_app(tmp_path, REDIS_URL=url)
    assert type(limiter.storage).__name__ == "RedisStorage" and limiter.storage.check()
