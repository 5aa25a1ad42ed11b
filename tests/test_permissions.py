"""Every forum route for the roles that may and may not use it."""
import pytest

from forum.extensions import db
from tests.helpers import FormClient, create_category, create_thread, create_user

ROLES = ["anonymous", "member", "author", "moderator", "admin"]

# (method, url, {role: expected status})
MATRIX = [
    ("GET", "/", dict.fromkeys(ROLES, 200)),
    ("GET", "/latest", dict.fromkeys(ROLES, 200)),
    ("GET", "/c/treatments-dmts", dict.fromkeys(ROLES, 200)),
    ("GET", "/t/1", dict.fromkeys(ROLES, 200)),
    ("GET", "/u/Author", dict.fromkeys(ROLES, 200)),
    ("GET", "/p/1/history", dict.fromkeys(ROLES, 200)),
    ("GET", "/login", {"anonymous": 200, "member": 302, "author": 302, "moderator": 302, "admin": 302}),
    ("GET", "/register", {"anonymous": 200, "member": 302, "author": 302, "moderator": 302, "admin": 302}),
    ("GET", "/reset", dict.fromkeys(ROLES, 200)),
    ("GET", "/c/treatments-dmts/new", {"anonymous": 302, "member": 200, "author": 200, "moderator": 200, "admin": 200}),
    ("GET", "/t/1/reply", {"anonymous": 302, "member": 200, "author": 200, "moderator": 200, "admin": 200}),
    ("GET", "/p/1/edit", {"anonymous": 302, "member": 403, "author": 200, "moderator": 403, "admin": 403}),
    ("GET", "/p/1/delete", {"anonymous": 302, "member": 403, "author": 200, "moderator": 403, "admin": 403}),
    ("POST", "/p/1/helpful", {"anonymous": 302, "member": 302, "author": 403, "moderator": 302, "admin": 302}),
    ("POST", "/t/1/watch", {"anonymous": 302, "member": 302, "author": 302, "moderator": 302, "admin": 302}),
    ("GET", "/notifications", {"anonymous": 302, "member": 200, "author": 200, "moderator": 200, "admin": 200}),
    ("GET", "/settings", {"anonymous": 302, "member": 200, "author": 200, "moderator": 200, "admin": 200}),
    ("GET", "/admin/users", {"anonymous": 302, "member": 403, "author": 403, "moderator": 403, "admin": 200}),
    ("GET", "/admin/users/1", {"anonymous": 302, "member": 403, "author": 403, "moderator": 403, "admin": 200}),
    ("POST", "/admin/users/2", {"anonymous": 302, "member": 403, "author": 403, "moderator": 403, "admin": 302}),
]


@pytest.fixture()
def forum(client, ctx):
    author = create_user("Author")
    create_user("Member")
    create_user("Moderator", role="moderator")
    create_user("Admin", role="admin")
    create_thread(author=author, category=create_category())
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,url,expected", MATRIX, ids=[f"{m} {u}" for m, u, _ in MATRIX])
def test_route_permissions(forum, role, method, url, expected):
    if role != "anonymous":
        forum.login(role.capitalize())
    if method == "GET":
        response = forum.get(url)
    else:
        response = forum.post_form(url, {"role": "moderator"} if "admin" in url else {})
    assert response.status_code == expected[role], response.get_data(as_text=True)[:300]
    if expected[role] == 302 and role == "anonymous":
        assert "/login" in response.headers["Location"]


def test_admin_changes_roles_and_cannot_demote_self(forum):
    from forum.models import User
    from sqlalchemy import select

    forum.login("Admin")
    member = db.session.scalar(select(User).where(User.username == "Member"))
    assert forum.post_form(f"/admin/users/{member.id}", {"role": "moderator"}).status_code == 302
    db.session.refresh(member)
    assert member.role == "moderator"
    admin = db.session.scalar(select(User).where(User.username == "Admin"))
    response = forum.post_form(f"/admin/users/{admin.id}", {"role": "member"})
    assert response.status_code == 400 and "cannot remove your own admin role" in response.get_data(as_text=True)


def test_banned_and_suspended_members_cannot_post(app, forum):
    from datetime import timedelta

    from forum.models import User, utcnow
    from sqlalchemy import select

    member = db.session.scalar(select(User).where(User.username == "Member"))
    member.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    forum.login("Member")
    assert forum.post_form("/t/1/reply", {"body": "hello"}).status_code == 403
    assert forum.post_form("/p/1/helpful", {}).status_code == 403
    member.suspended_until, member.banned_at = None, utcnow()
    member.session_version += 1
    db.session.commit()
    assert forum.get("/settings").status_code == 302
    other = FormClient(app.test_client())
    response = other.post_form("/login", {"login": "Member", "password": "correct horse battery"})
    assert response.status_code == 400
