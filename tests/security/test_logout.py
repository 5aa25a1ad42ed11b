"""Logging out ends the session on the server: copied cookies stop working (audit finding 8)."""
from __future__ import annotations

import pytest

from tests.helpers import PASSWORD, FormClient, create_user


def _copied_cookies(client: FormClient) -> dict[str, str]:
    found = {name: client.get_cookie(name, domain="forum.test") for name in ("session", "remember_token")}
    return {name: cookie.value for name, cookie in found.items() if cookie is not None}


def _browser_with(app, cookies: dict[str, str]) -> FormClient:
    other = FormClient(app.test_client())
    for name, value in cookies.items():
        other.set_cookie(name, value, domain="forum.test")
    return other


def _log_in_remembered(client: FormClient) -> None:
    response = client.post_form("/login", {"login": "Tess", "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302


@pytest.mark.parametrize("which", ["session", "remember_token"])
def test_a_copied_cookie_stops_working_after_logout(app, client, ctx, which):
    create_user("Tess")
    _log_in_remembered(client)
    cookies = _copied_cookies(client)
    assert _browser_with(app, {which: cookies[which]}).get("/settings").status_code == 200  # the copy works...
    assert client.logout().status_code == 302
    assert _browser_with(app, {which: cookies[which]}).get("/settings").status_code == 302  # ...until logout
    assert _browser_with(app, cookies).get("/settings").status_code == 302


def test_log_out_everywhere_from_settings(app, client, ctx):
    create_user("Tess")
    _log_in_remembered(client)
    laptop = FormClient(app.test_client())
    laptop.login("Tess")
    html = client.get("/settings").get_data(as_text=True)
    assert "Log out everywhere" in html
    response = client.post_form("/settings/logout-everywhere", {}, token_page="/settings")
    assert response.status_code == 302
    assert laptop.get("/settings").status_code == 302
    assert client.get("/settings").status_code == 302
    client.login("Tess")  # and logging in again works
    assert client.get("/settings").status_code == 200


def test_logout_needs_the_form_token(app, client, ctx):
    create_user("Tess")
    client.login("Tess")
    assert client.post("/settings/logout-everywhere", data={}).status_code == 400
    assert client.get("/settings").status_code == 200
