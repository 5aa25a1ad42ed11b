"""The permission matrix: every moderation route for anonymous, member, the post's author, moderator, admin.

Enforced on the server: anonymous visitors are sent to log in, members (the author included) get 403,
moderators and admins get the page or the action.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, User, utcnow
from moderation import actions
from tests.helpers import FormClient, create_thread, create_user
from tests.moderation.factories import flag

ROLES = ("anonymous", "member", "author", "moderator", "admin")
LOGIN = "login"

# name, method, path, form data, setup, status for moderators and admins
STAFF_ROUTES = [
    ("home", "GET", "/moderation/", None, None, 302),
    ("queue", "GET", "/moderation/queue", None, "flagged", 200),
    ("queue_resolved", "GET", "/moderation/queue?state=resolved&reason=report", None, None, 200),
    ("item", "GET", "/moderation/post/{post}", None, "flagged", 200),
    ("approve", "POST", "/moderation/post/{post}/approve", {"note": "fine"}, "flagged", 302),
    ("hide", "POST", "/moderation/post/{post}/hide", {"reason": "clinic_promotion"}, "flagged", 302),
    ("restore", "POST", "/moderation/post/{post}/restore", {}, "hidden", 302),
    ("bulk", "POST", "/moderation/bulk", {"action": "hide", "post_ids": ["{post}"]}, "flagged", 302),
    ("edit_form", "GET", "/moderation/post/{post}/edit", None, None, 200),
    ("edit", "POST", "/moderation/post/{post}/edit", {"body": "Edited by the moderators."}, None, 302),
    ("context_note", "POST", "/moderation/post/{post}/context-note", {"context_note": "See the trial registry."}, None, 302),
    ("lock", "POST", "/moderation/post/{post}/lock", {}, None, 302),
    ("unlock", "POST", "/moderation/post/{post}/unlock", {}, "locked", 302),
    ("user", "GET", "/moderation/user/{target}", None, None, 200),
    ("warn", "POST", "/moderation/user/{target}/warn", {"message": "Please stop."}, None, 302),
    ("suspend", "POST", "/moderation/user/{target}/suspend", {"days": "2"}, None, 302),
    ("unsuspend", "POST", "/moderation/user/{target}/unsuspend", {}, "suspended", 302),
    ("ban_form", "GET", "/moderation/user/{target}/ban", None, None, 200),
    ("ban", "POST", "/moderation/user/{target}/ban", {"note": "spam"}, None, 302),
    ("unban", "POST", "/moderation/user/{target}/unban", {}, "banned", 302),
    ("audit", "GET", "/moderation/audit?action=hide", None, "hidden", 200),
    ("dashboard", "GET", "/moderation/dashboard", None, "hidden", 200),
]

# name, method, path, data, setup, {role: status}
MEMBER_ROUTES = [
    ("transparency", "GET", "/transparency", None, "hidden",
     {"anonymous": 200, "member": 200, "author": 200, "moderator": 200, "admin": 200}),
    ("report_form", "GET", "/p/{post}/report", None, None,
     {"anonymous": LOGIN, "member": 200, "author": 403, "moderator": 200, "admin": 200}),
    ("report", "POST", "/p/{post}/report", {"reason": "spam"}, None,
     {"anonymous": LOGIN, "member": 302, "author": 403, "moderator": 302, "admin": 302}),
    ("appeal_form", "GET", "/p/{post}/appeal", None, "hidden",
     {"anonymous": LOGIN, "member": 403, "author": 200, "moderator": 403, "admin": 403}),
    ("appeal", "POST", "/p/{post}/appeal", {"text": "Please look again."}, "hidden",
     {"anonymous": LOGIN, "member": 403, "author": 302, "moderator": 403, "admin": 403}),
]


def _fresh_post(people) -> Post:
    """A new thread with the author's post between two others: each role acts on its own rows."""
    from forum.boards import service

    thread = create_thread(author=people["member"], title="Stem cell clinics abroad", body="Has anyone tried HSCT?")
    post = service.create_reply(people["author"], thread, "Go to the Sunrise clinic in Cancun. It cures MS.")
    service.create_reply(people["member"], thread, "Please be careful.")
    return post


def _setup(kind, people, post, target):
    if kind in ("flagged", "hidden"):
        flag(post)
    if kind == "hidden":
        actions.hide(people["moderator2"], post, "clinic_promotion")
    elif kind == "locked":
        post.thread.locked = True
    elif kind == "suspended":
        target.suspended_until = utcnow() + timedelta(days=3)
    elif kind == "banned":
        target.banned_at = utcnow()
    db.session.commit()


def _call(client, method, path, data, post, target):
    url = path.format(post=post.id, target=target.id)
    if method == "GET":
        return client.get(url)
    form = {k: ([v.format(post=post.id) for v in value] if isinstance(value, list) else value)
            for k, value in (data or {}).items()}
    return client.post_form(url, form)


def _check(response, expected, role):
    if expected == LOGIN:
        assert response.status_code == 302 and "/login" in response.headers["Location"], (role, response.status_code)
    else:
        assert response.status_code == expected, (role, response.get_data(as_text=True)[:400])


def _as(app, people, role) -> FormClient:
    client = FormClient(app.test_client())
    if role != "anonymous":
        client.login(people[role])
    return client


@pytest.mark.parametrize("name,method,path,data,setup,staff", STAFF_ROUTES, ids=[r[0] for r in STAFF_ROUTES])
def test_moderation_routes(app, people, name, method, path, data, setup, staff):
    for role in ROLES:  # each role on fresh rows, so one role's action cannot change the next one's answer
        post, target = _fresh_post(people), create_user()
        _setup(setup, people, post, target)
        expected = {"anonymous": LOGIN, "member": 403, "author": 403}.get(role, staff)
        _check(_call(_as(app, people, role), method, path, data, post, target), expected, role)


@pytest.mark.parametrize("name,method,path,data,setup,expected", MEMBER_ROUTES, ids=[r[0] for r in MEMBER_ROUTES])
def test_member_routes(app, people, name, method, path, data, setup, expected):
    for role in ROLES:
        post, target = _fresh_post(people), create_user()
        _setup(setup, people, post, target)
        _check(_call(_as(app, people, role), method, path, data, post, target), expected[role], role)


ADMIN_TARGETS = [
    ("approve", "/moderation/post/{post}/approve", {}),
    ("hide", "/moderation/post/{post}/hide", {}),
    ("edit", "/moderation/post/{post}/edit", {"body": "Changed"}),
    ("context_note", "/moderation/post/{post}/context-note", {"context_note": "Note"}),
    ("lock", "/moderation/post/{post}/lock", {}),
    ("warn", "/moderation/user/{target}/warn", {"message": "Hey"}),
    ("suspend", "/moderation/user/{target}/suspend", {"days": "1"}),
    ("ban", "/moderation/user/{target}/ban", {}),
]


@pytest.mark.parametrize("name,path,data", ADMIN_TARGETS, ids=[t[0] for t in ADMIN_TARGETS])
def test_only_admins_act_on_admins(app, people, name, path, data):
    for role, expected in (("moderator", 403), ("admin", 302)):
        other_admin = create_user(role="admin")
        thread = create_thread(author=other_admin, title="From the admins", body="Clinic list for reference")
        admin_post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
        flag(admin_post)
        response = _as(app, people, role).post_form(path.format(post=admin_post.id, target=other_admin.id), data)
        assert response.status_code == expected, (role, response.get_data(as_text=True)[:300])


def test_suspended_members_cannot_post_react_or_report(client, people, post):
    member = db.session.get(User, people["member"].id)
    member.suspended_until = utcnow() + timedelta(days=1)
    db.session.commit()
    client.login(member)
    assert client.post_form(f"/t/{post.thread_id}/reply", {"body": "Hello"}).status_code == 403
    assert client.post_form(f"/p/{post.id}/helpful", {}).status_code == 403
    assert client.post_form(f"/p/{post.id}/report", {"reason": "spam"}).status_code == 403
    new_thread = client.post_form("/c/stem-cells-hsct/new", {"title": "Brand new thread", "body": "Thread"})
    assert "Your account is suspended" in new_thread.get_data(as_text=True)
    from forum.models import Thread

    assert db.session.scalar(select(Thread).where(Thread.title == "Brand new thread")) is None
    html = client.get(f"/t/{post.thread_id}").get_data(as_text=True)
    assert f'href="/p/{post.id}/report"' not in html
