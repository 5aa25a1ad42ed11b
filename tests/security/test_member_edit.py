"""Only authors edit through the member route; moderators use the audited one (audit finding 3)."""
from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from moderation.models import AuditEntry
from tests.helpers import create_category, create_thread, create_user


def _setup():
    author = create_user("Tess")
    create_user("Moira", role="moderator")
    create_user("Ada", role="admin")
    thread = create_thread(author=author, body="My own words about fatigue.", category=create_category())
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id))


def test_a_moderator_cannot_rewrite_a_post_through_the_member_edit_route(client, ctx):
    post = _setup()
    for name in ("Moira", "Ada"):
        client.login(name)
        assert client.get(f"/p/{post.id}/edit").status_code == 403
        response = client.post_form(f"/p/{post.id}/edit", {"body": "Words the author never wrote."})
        assert response.status_code == 403
        assert "Words the author never wrote." not in client.get(f"/t/{post.thread_id}").get_data(as_text=True)
        client.logout()
    db.session.expire_all()
    assert db.session.get(Post, post.id).body == "My own words about fatigue."


def test_moderators_see_no_member_edit_link_on_others_posts(client, ctx):
    post = _setup()
    client.login("Moira")
    html = client.get(f"/t/{post.thread_id}").get_data(as_text=True)
    assert f'href="/p/{post.id}/edit"' not in html
    assert f'href="/moderation/post/{post.id}"' in html


def test_the_audited_route_still_works_and_leaves_an_entry(client, ctx):
    post = _setup()
    client.login("Moira")
    response = client.post_form(f"/moderation/post/{post.id}/edit", {"body": "Tidied by a moderator.", "note": "typo"})
    assert response.status_code == 302
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "edit", AuditEntry.post_id == post.id))


def test_the_author_still_edits_their_own_post(client, ctx):
    post = _setup()
    client.login("Tess")
    assert client.post_form(f"/p/{post.id}/edit", {"body": "My own words, edited."}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, post.id).body == "My own words, edited."
