"""A cross-site POST to a posting form cannot plant text in the next login's drafts (audit finding 16)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.accounts.service import end_all_sessions
from forum.comfort.models import Draft
from forum.extensions import db
from tests.helpers import FormClient, create_category, create_thread, create_user

PLANTED = "Stop your DMT and book the Sunrise stem-cell clinic: https://sunrise.example"


def _drafts() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Draft.id)))


@pytest.fixture()
def scene(app, ctx):
    create_user("Tess")
    create_thread(author=create_user("Ben"), category=create_category())


@pytest.mark.parametrize("url,data", [
    ("/t/1/reply", {"body": PLANTED}),
    ("/c/treatments-dmts/new", {"title": "Cure found", "body": PLANTED}),
])
def test_a_cross_site_post_without_a_token_keeps_nothing(app, scene, url, data):
    victim = FormClient(app.test_client())
    victim.get("/")  # a visitor with a session of their own
    response = victim.post(url, data=data)  # what an attacker's page makes the browser send
    assert response.status_code == 400
    assert victim.get_cookie("pending_post", domain="forum.test") is None
    assert _drafts() == 0
    victim.login("Tess")
    html = victim.get(url).get_data(as_text=True)
    assert PLANTED not in html and "Welcome back" not in html
    assert _drafts() == 0


def test_a_token_from_another_browser_is_not_enough(app, scene):
    attacker = FormClient(app.test_client())
    token = attacker.token("/reset")  # a valid token, but for the attacker's own session
    victim = FormClient(app.test_client())
    response = victim.post("/t/1/reply", data={"body": PLANTED, "csrf_token": token})
    assert response.status_code == 400 and victim.get_cookie("pending_post", domain="forum.test") is None
    assert _drafts() == 0


def test_the_members_own_form_is_still_kept_when_their_session_ended(app, scene, client):
    client.login("Tess")
    token = client.token("/t/1/reply")
    from forum.models import User

    end_all_sessions(db.session.scalar(select(User).where(User.username == "Tess")))
    response = client.post("/t/1/reply", data={"body": "My own slow reply.", "csrf_token": token})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    client.login("Tess")
    assert "My own slow reply." in client.get("/t/1/reply").get_data(as_text=True)
