"""CSRF on every form, security headers, cookies, rate limits, production config."""
import pytest

from tests.helpers import create_category, create_thread, create_user

FORM_POSTS = [
    ("/register", {"username": "Newbie", "email": "n@example.org", "password": "long enough pw", "confirm": "long enough pw"}),
    ("/login", {"login": "Tess", "password": "correct horse battery"}),
    ("/reset", {"email": "tess@example.org"}),
    ("/logout", {}),
    ("/settings", {"profile-bio": "x"}),
    ("/c/treatments-dmts/new", {"title": "t", "body": "b"}),
    ("/t/1/reply", {"body": "b"}),
    ("/p/1/edit", {"body": "b"}),
    ("/p/1/delete", {}),
    ("/p/1/helpful", {}),
    ("/t/1/watch", {}),
    ("/notifications/read-all", {}),
    ("/admin/users/1", {"role": "admin"}),
]


@pytest.mark.parametrize("url,data", FORM_POSTS, ids=[u for u, _ in FORM_POSTS])
def test_every_form_refuses_a_post_without_csrf_token(client, ctx, url, data):
    tess = create_user("Tess", role="admin")
    create_thread(author=tess, category=create_category())
    client.login("Tess")
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


def test_security_headers_on_pages(client, ctx):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script(client, ctx):
    create_thread()
    for url in ("/", "/latest", "/t/1", "/login", "/register"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html


def test_production_cookies_are_secure(monkeypatch):
    import config

    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment-0123456789")
    cfg = config.load_config("production")
    assert cfg.SESSION_COOKIE_SECURE and cfg.REMEMBER_COOKIE_SECURE and cfg.SESSION_COOKIE_SAMESITE == "Lax"


def test_login_is_rate_limited(app, client, ctx):
    from forum.extensions import limiter

    create_user("Tess")
    normal = app.config["RATE_LOGIN"]
    app.config["RATE_LOGIN"] = "10 per minute"
    limiter.reset()
    try:
        codes = [client.post_form("/login", {"login": "Tess", "password": "wrong password"}).status_code
                 for _ in range(12)]
    finally:
        app.config["RATE_LOGIN"] = normal
        limiter.reset()
    assert 429 in codes
    assert codes[0] == 400
