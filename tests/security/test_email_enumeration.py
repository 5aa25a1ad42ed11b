"""/register and /settings/email never say whether an address has an account (audit finding 6)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import User
from tests.helpers import PASSWORD, create_user
from tests.privacy.conftest import link_in, mails_to


def _ask(client, username: str, email: str) -> str:
    response = client.post_form("/register", {"username": username, "email": email})
    assert response.status_code == 200
    return re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))


def test_register_answers_the_same_for_a_taken_and_a_free_address(app, client, ctx):
    create_user("Tess", email="tess.enum@example.org")
    taken = _ask(client, "Prober", "tess.enum@example.org")
    free = _ask(client, "Prober", "nobody.enum@example.org")
    assert taken.replace("tess.enum@example.org", "ADDRESS") == free.replace("nobody.enum@example.org", "ADDRESS")
    assert "Check your email" in free and "already exists" not in taken
    [reminder] = mails_to(app, "tess.enum@example.org")
    assert "already belongs to your account" in reminder and "/register/" not in reminder
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_a_new_member_finishes_through_the_link_in_their_mail(app, client, ctx):
    client.post_form("/register", {"username": "Newbie", "email": "new.enum@example.org"})
    assert db.session.scalar(select(func.count(User.id))) == 0  # nothing exists until the link is followed
    link = link_in(mails_to(app, "new.enum@example.org")[-1], "/register/")
    assert "Newbie" in client.get(link).get_data(as_text=True)
    response = client.post_form(link, {"password": PASSWORD, "confirm": PASSWORD}, token_page=link)
    assert response.status_code == 302
    assert "Newbie" in client.get("/").get_data(as_text=True)
    client.logout()
    assert client.get(link).status_code == 400  # used once


def test_a_forged_or_expired_link_is_a_clear_400(app, client, ctx, monkeypatch):
    assert "not valid" in client.get("/register/not-a-token").get_data(as_text=True)
    client.post_form("/register", {"username": "Newbie", "email": "new.enum@example.org"})
    link = link_in(mails_to(app, "new.enum@example.org")[-1], "/register/")
    monkeypatch.setitem(app.config, "REGISTER_TOKEN_MAX_AGE", -1)
    response = client.get(link)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_email_change_answers_the_same_for_a_taken_address(app, client, ctx):
    create_user("Tess", email="tess.enum@example.org")
    create_user("Ben", email="ben.enum@example.org")
    client.login("Tess")
    pages = []
    for address in ("ben.enum@example.org", "tess.enum@new.example"):
        response = client.post_form("/settings/email", {"email": address, "password": PASSWORD},
                                    token_page="/settings/email")
        assert response.status_code == 200
        pages.append(re.sub(r'value="[^"]*"', "", response.get_data(as_text=True)).replace(address, "ADDRESS"))
    assert pages[0] == pages[1]
    [notice] = mails_to(app, "ben.enum@example.org")
    assert "nothing changed" in notice and "/settings/email/confirm/" not in notice
