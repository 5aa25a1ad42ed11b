"""Username and email changes, the profile visibility settings, and the admin's audited look at an email."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification, User, utcnow
from forum.privacy import retention
from forum.privacy.models import UsernameReservation
from moderation.models import AuditEntry
from tests.helpers import PASSWORD, FormClient, create_thread, create_user, score_pending
from tests.privacy.conftest import link_in, mails_to


def rename(client: FormClient, new: str, password: str = PASSWORD):
    return client.post_form("/settings/username", {"username": new, "password": password}, token_page="/settings/username")


def register(app, name: str, email: str):
    """Both steps: ask at /register, then choose the password through the link mailed to the address."""
    client = FormClient(app.test_client())
    response = client.post_form("/register", {"username": name, "email": email})
    if response.status_code != 200 or not mails_to(app, email):
        return response
    link = link_in(mails_to(app, email)[-1], "/register/")
    return client.post_form(link, {"password": PASSWORD, "confirm": PASSWORD}, token_page=link)


# --------------------------------------------------------------------------- username

def test_rename_keeps_posts_and_redirects_the_old_profile(app, ctx, login):
    tess = create_user("Tess")
    create_thread(author=tess, title="Fatigue in the afternoon")
    client = login(tess)
    response = rename(client, "Tessa")
    assert response.status_code == 302
    assert "Links to Tess lead to your profile for 90 days" in client.get("/settings").get_data(as_text=True)
    assert db.session.get(User, tess.id).username == "Tessa"
    visitor = FormClient(app.test_client())
    old = visitor.get("/u/Tess")
    assert old.status_code in (301, 302) and old.headers["Location"].endswith("/u/Tessa")
    assert visitor.get("/u/TESS").headers["Location"].endswith("/u/Tessa")
    assert "Fatigue in the afternoon" in visitor.get("/u/Tessa").get_data(as_text=True)
    client.logout()
    client.login("Tessa")


def test_nobody_else_can_take_the_old_name_for_90_days(app, ctx, login):
    tess = create_user("Tess")
    ben = create_user("Ben")
    rename(login(tess), "Tessa")
    response = register(app, "tess", "someone@example.org")
    assert response.status_code == 400 and "reserved" in response.get_data(as_text=True)
    response = rename(login(ben), "Tess")
    assert response.status_code == 400 and "reserved" in response.get_data(as_text=True)
    assert db.session.get(User, ben.id).username == "Ben"

    assert retention.purge(now=utcnow() + timedelta(days=89)).as_dict()["username_reservations"] == 0
    assert register(app, "Tess", "someone@example.org").status_code == 400
    assert retention.purge(now=utcnow() + timedelta(days=91)).as_dict()["username_reservations"] == 1
    assert FormClient(app.test_client()).get("/u/Tess").status_code == 404
    assert register(app, "Tess", "someone@example.org").status_code == 302


def test_a_member_can_take_back_their_own_old_name(ctx, login):
    tess = create_user("Tess")
    client = login(tess)
    rename(client, "Tessa")
    assert rename(client, "Tess").status_code == 302
    user = db.session.get(User, tess.id)
    assert user.username == "Tess"
    names = set(db.session.scalars(select(UsernameReservation.name).where(UsernameReservation.user_id == tess.id)))
    assert names == {"Tessa"}


def test_rename_needs_the_password_and_a_free_valid_name(ctx, login):
    tess = create_user("Tess")
    create_user("Ben")
    client = login(tess)
    assert "password is not right" in rename(client, "Tessa", "wrong password!").get_data(as_text=True)
    assert "taken" in rename(client, "ben", PASSWORD).get_data(as_text=True)
    assert "3 to 30" in rename(client, "x", PASSWORD).get_data(as_text=True)
    assert "already your username" in rename(client, "Tess", PASSWORD).get_data(as_text=True)
    assert db.session.get(User, tess.id).username == "Tess"
    assert db.session.scalar(select(UsernameReservation)) is None


def test_changing_only_the_letter_case_reserves_nothing(ctx, login):
    tess = create_user("Tess")
    assert rename(login(tess), "TESS").status_code == 302
    assert db.session.get(User, tess.id).username == "TESS"
    assert db.session.scalar(select(UsernameReservation)) is None


def test_renaming_again_and_again_is_limited(ctx, login):
    tess = create_user("Tess")
    client = login(tess)
    for name in ("Tess2", "Tess3", "Tess4"):
        assert rename(client, name).status_code == 302
    response = rename(client, "Tess5")
    assert response.status_code == 400 and "Try again later" in response.get_data(as_text=True)


def test_mentions_reach_the_member_under_the_new_name(ctx, login):
    from forum.boards import service

    tess, ben = create_user("Tess"), create_user("Ben")
    rename(login(tess), "Tessa")
    thread = create_thread(author=ben)
    service.create_reply(ben, thread, "Thanks @Tessa!")
    score_pending()
    assert db.session.scalar(select(Notification).where(Notification.user_id == tess.id, Notification.kind == "mention"))


# --------------------------------------------------------------------------- email

def ask_email_change(client: FormClient, new: str, password: str = PASSWORD):
    return client.post_form("/settings/email", {"email": new, "password": password}, token_page="/settings/email")


def test_email_changes_only_when_the_link_sent_to_the_new_address_is_followed(app, ctx, login):
    tess = create_user("Tess", email="tess@example.org")
    client = login(tess)
    response = ask_email_change(client, "tess@new.example")
    assert response.status_code == 200 and "tess@new.example" in response.get_data(as_text=True)
    assert db.session.get(User, tess.id).email == "tess@example.org"
    [mail] = mails_to(app, "tess@new.example")
    link = link_in(mail, "/settings/email/confirm/")
    assert mails_to(app, "tess@example.org") == []

    page = client.get(link)
    assert page.status_code == 200 and "tess@new.example" in page.get_data(as_text=True)
    assert db.session.get(User, tess.id).email == "tess@example.org"  # a GET (a mail scanner) changes nothing
    response = client.post_form(link, {}, token_page=link)
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, tess.id)
    assert user.email == "tess@new.example" and user.email_key == "tess@new.example"
    [notice] = mails_to(app, "tess@example.org")
    assert "t***@new.example" in notice and "tess@new.example" not in notice
    # the link works once
    assert client.get(link).status_code == 400
    client.logout()
    client.login("tess@new.example")


def test_the_confirmation_link_needs_the_members_own_login(app, ctx, login):
    tess, ben = create_user("Tess"), create_user("Ben")
    ask_email_change(login(tess), "tess@new.example")
    link = link_in(mails_to(app, "tess@new.example")[0], "/settings/email/confirm/")
    visitor = FormClient(app.test_client())
    assert visitor.get(link).status_code == 302 and "/login" in visitor.get(link).headers["Location"]
    response = login(ben).get(link)
    assert response.status_code == 400 and "another account" in response.get_data(as_text=True)
    assert login(tess).get(link[:-3] + "xyz").status_code == 400
    assert db.session.get(User, tess.id).email == "tess@example.org"


def test_an_expired_confirmation_link_is_refused(app, ctx, login, monkeypatch):
    tess = create_user("Tess")
    client = login(tess)
    ask_email_change(client, "tess@new.example")
    link = link_in(mails_to(app, "tess@new.example")[0], "/settings/email/confirm/")
    monkeypatch.setitem(app.config, "EMAIL_CHANGE_TOKEN_MAX_AGE", -1)
    response = client.get(link)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


@pytest.mark.parametrize("new,password,message", [
    ("tess@example.org", PASSWORD, "already your email"),
    ("not an address", PASSWORD, "does not look like an email"),
    ("tess@new.example", "wrong password!", "password is not right"),
])
def test_email_change_problems_are_explained(app, ctx, login, new, password, message):
    tess = create_user("Tess")
    create_user("Ben")
    response = ask_email_change(login(tess), new, password)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert mails_to(app, new) == []


def test_an_address_taken_meanwhile_is_not_switched_to(app, ctx, login):
    tess = create_user("Tess")
    client = login(tess)
    ask_email_change(client, "shared@example.org")
    link = link_in(mails_to(app, "shared@example.org")[0], "/settings/email/confirm/")
    create_user("Ben", email="shared@example.org")
    response = client.get(link)
    assert response.status_code == 200
    response = client.post_form(link, {}, token_page="/settings")
    assert response.status_code == 409
    assert db.session.get(User, tess.id).email == "tess@example.org"


# --------------------------------------------------------------------------- visibility settings

def test_post_list_hidden_from_visitors_and_mentions_opt_out(app, ctx, login):
    from forum.boards import service

    tess, ben = create_user("Tess"), create_user("Ben")
    create_thread(author=tess, title="Bladder trouble at night")
    client = login(tess)
    response = client.post_form("/settings", {"profile-bio": "", "profile-hide_posts_from_visitors": "y"},
                                token_page="/settings")
    assert response.status_code == 302
    user = db.session.get(User, tess.id)
    assert user.hide_posts_from_visitors and not user.mention_notifications
    visitor = FormClient(app.test_client())
    assert "Bladder trouble" not in visitor.get("/u/Tess").get_data(as_text=True)
    assert "logged-in members only" in visitor.get("/u/Tess").get_data(as_text=True)
    assert "Bladder trouble" in login(ben).get("/u/Tess").get_data(as_text=True)
    service.create_reply(ben, create_thread(author=ben), "What do you think, @Tess?")
    assert db.session.scalar(select(Notification).where(Notification.user_id == tess.id,
                                                        Notification.kind == "mention")) is None


# --------------------------------------------------------------------------- admins and emails

def test_admins_see_an_email_only_on_the_members_admin_page_and_each_look_is_audited(ctx, login):
    tess = create_user("Tess", email="tess@example.org")
    admin = create_user("Admin", role="admin", email="admin@example.org")
    client = login(admin)
    for page in ("/admin/users", f"/admin/users/{tess.id}", "/u/Tess", "/moderation/audit", f"/moderation/user/{tess.id}"):
        response = client.get(page)
        assert "tess@example.org" not in response.get_data(as_text=True), page
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "view_email")) is None
    url = f"/admin/users/{tess.id}/email"
    for _ in range(2):
        response = client.post_form(url, {}, token_page=f"/admin/users/{tess.id}")
        assert response.status_code == 200 and "tess@example.org" in response.get_data(as_text=True)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "view_email")).all()
    assert len(entries) == 2
    assert all(e.actor_id == admin.id and e.target_user_id == tess.id and e.actor_role == "admin" for e in entries)
    assert all("tess@example.org" not in e.note for e in entries)


def test_moderators_and_members_cannot_look_up_emails(ctx, login):
    tess = create_user("Tess")
    for role in ("member", "moderator"):
        client = login(create_user(f"someone_{role}", role=role))
        response = client.post_form(f"/admin/users/{tess.id}/email", {}, token_page="/settings")
        assert response.status_code == 403
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "view_email")) is None
