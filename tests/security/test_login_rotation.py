"""Logging in starts a fresh session with a new CSRF token (audit finding 17)."""
from __future__ import annotations

from tests.helpers import PASSWORD, FormClient, create_user


def test_a_csrf_token_from_before_login_is_refused_after_it(client, ctx):
    create_user("Tess")
    planted = client.token("/reset")  # e.g. from a session cookie an attacker set in this browser
    response = client.post_form("/login", {"login": "Tess", "password": PASSWORD}, token_page="/login")
    assert response.status_code == 302
    refused = client.post_form("/settings", {"profile-bio": "planted text", "csrf_token": planted})
    assert refused.status_code == 400 and "form expired" in refused.get_data(as_text=True)
    fresh = client.token("/settings")
    assert fresh != planted
    assert client.post_form("/settings", {"profile-bio": "my own words", "csrf_token": fresh}).status_code == 302


def test_a_session_cookie_from_before_login_does_not_become_logged_in(app, client, ctx):
    create_user("Tess")
    client.get("/login")
    before = client.get_cookie("session", domain="forum.test").value
    client.login("Tess")
    replay = FormClient(app.test_client())
    replay.set_cookie("session", before, domain="forum.test")
    assert replay.get("/settings").status_code == 302


def test_a_password_change_also_rotates_the_token(client, ctx):
    create_user("Tess")
    client.login("Tess")
    before = client.token("/settings")
    response = client.post_form("/settings", {"password-current_password": PASSWORD,
                                              "password-new_password": "a brand new passphrase",
                                              "password-confirm": "a brand new passphrase", "csrf_token": before})
    assert response.status_code == 302
    assert client.post_form("/settings", {"profile-bio": "x", "csrf_token": before}).status_code == 400
