"""Registering, logging in and out, remember-me, passwords and resets, as a member sees them."""
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import User
from tests.helpers import PASSWORD, create_user


def register(client, username="Tess", email="tess@example.org", password=PASSWORD, confirm=None):
    """Both steps: ask at /register, then choose the password through the link mailed to the address."""
    from flask import current_app

    from tests.privacy.conftest import link_in, mails_to

    response = client.post_form("/register", {"username": username, "email": email})
    if response.status_code != 200:
        return response
    link = link_in(mails_to(current_app, email)[-1], "/register/")
    return client.post_form(link, {"password": password, "confirm": confirm or password}, token_page=link)


def test_register_logs_in_and_shows_pseudonym_not_email(client, ctx):
    response = register(client)
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Tess" in home and "tess@example.org" not in home
    user = db.session.scalar(select(User).where(User.username == "Tess"))
    assert user.password_hash.startswith("scrypt:")


@pytest.mark.parametrize("variant", ["tess", "TESS", "Ｔｅｓｓ", "Te\u200bss"])
def test_usernames_that_only_look_different_are_refused(client, ctx, variant):
    create_user("Tess")
    response = register(client, username=variant, email="other@example.org")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(User.id))) == 1


@pytest.mark.parametrize("username,message", [
    ("ab", "3 to 30"),
    ("bad name", "3 to 30"),
    ("x" * 31, "3 to 30"),
])
def test_invalid_usernames_get_a_clear_message(client, ctx, username, message):
    response = register(client, username=username)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_short_password_and_mismatch_are_explained(client, ctx):
    assert "at least 10 characters" in register(client, password="short", confirm="short").get_data(as_text=True)
    assert "do not match" in register(client, confirm="something else entirely").get_data(as_text=True)


def test_duplicate_email_creates_no_second_account(client, ctx):
    create_user("Tess", email="tess@example.org")
    response = client.post_form("/register", {"username": "Other", "email": "TESS@example.org"})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_login_same_answer_for_unknown_user_and_wrong_password(client, ctx):
    create_user("Tess")
    unknown = client.post_form("/login", {"login": "nobody", "password": PASSWORD}).get_data(as_text=True)
    wrong = client.post_form("/login", {"login": "Tess", "password": "wrong password"}).get_data(as_text=True)
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731
    assert strip(unknown) == strip(wrong)
    assert "do not match an account" in wrong


def test_login_by_email_and_logout(client, ctx):
    create_user("Tess", email="tess@example.org")
    client.login("tess@example.org")
    assert "/settings" in client.get("/").get_data(as_text=True)
    client.logout()
    assert client.get("/settings").status_code == 302


def test_remember_me_sets_a_httponly_samesite_cookie(client, ctx):
    create_user("Tess")
    response = client.post_form("/login", {"login": "Tess", "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]
    session = [c for c in cookies if c.startswith("session=")]
    assert session and "HttpOnly" in session[0]


def test_open_redirect_after_login_is_refused(client, ctx):
    create_user("Tess")
    response = client.post_form("/login?next=//evil.example/x", {"login": "Tess", "password": PASSWORD})
    assert response.headers["Location"] in ("/", "http://forum.test/")


def test_change_password_ends_other_sessions(app, ctx):
    from tests.helpers import FormClient

    create_user("Tess")
    phone, laptop = FormClient(app.test_client()), FormClient(app.test_client())
    phone.login("Tess")
    laptop.login("Tess")
    response = laptop.post_form("/settings", {"password-current_password": PASSWORD,
                                              "password-new_password": "a brand new passphrase",
                                              "password-confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert laptop.get("/settings").status_code == 200
    assert phone.get("/settings").status_code == 302


def test_change_password_with_wrong_current_password(client, ctx):
    create_user("Tess")
    client.login("Tess")
    response = client.post_form("/settings", {"password-current_password": "not it at all",
                                              "password-new_password": "a brand new passphrase",
                                              "password-confirm": "a brand new passphrase"})
    assert response.status_code == 400
    assert "current password is not right" in response.get_data(as_text=True)


def _reset_link(app) -> str:
    outbox = sorted((Path(app.config["FORUM_INSTANCE_DIR"]) / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime)
    text = outbox[-1].read_text()
    return re.search(r"http://forum\.test(/reset/\S+)", text).group(1)


def test_password_reset_by_mail_link_works_once(app, client, ctx):
    create_user("Tess", email="tess@example.org")
    response = client.post_form("/reset", {"email": "tess@example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    link = _reset_link(app)
    assert client.get(link).status_code == 200
    response = client.post_form(link, {"password": "my new long password", "confirm": "my new long password"},
                                token_page=link)
    assert response.status_code == 302
    client.login("Tess", "my new long password")
    client.logout()
    assert client.get(link).status_code == 400


def test_reset_for_unknown_email_reveals_nothing(app, client, ctx):
    response = client.post_form("/reset", {"email": "nobody@example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    assert not list((Path(app.config["FORUM_INSTANCE_DIR"]) / "outbox").glob("*nobody*"))


def test_expired_or_forged_reset_token_is_refused(app, client, ctx):
    from forum.accounts.service import make_reset_token

    user = create_user("Tess")
    with app.test_request_context():
        token = make_reset_token(user)
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    try:
        assert "expired" in client.get(f"/reset/{token}").get_data(as_text=True)
    finally:
        app.config["RESET_TOKEN_MAX_AGE"] = 3600
    assert client.get(f"/reset/{token}x").status_code == 400


def test_profile_shows_join_date_and_posts_but_never_email(client, ctx, make_thread):
    user = create_user("Tess", email="tess@example.org")
    make_thread(author=user, title="Fatigue pacing tips")
    html = client.get("/u/Tess").get_data(as_text=True)
    assert "Fatigue pacing tips" in html and "Joined" in html
    assert "tess@example.org" not in html
    assert client.get("/u/nobody").status_code == 404


def test_profile_can_hide_post_list_from_visitors(client, ctx, make_thread):
    user = create_user("Tess")
    make_thread(author=user, title="Fatigue pacing tips")
    client.login("Tess")
    client.post_form("/settings", {"profile-bio": "RRMS since 2019", "profile-hide_posts_from_visitors": "y",
                                   "profile-mention_notifications": "y"})
    assert "Fatigue pacing tips" in client.get("/u/Tess").get_data(as_text=True)
    client.logout()
    html = client.get("/u/Tess").get_data(as_text=True)
    assert "Fatigue pacing tips" not in html and "RRMS since 2019" in html
