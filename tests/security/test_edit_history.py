"""Edit history shows removed text only to those allowed to see it (audit finding 4)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from tests.helpers import create_category, create_thread, create_user

SECRET = "my neurologist Dr Example at 12 High Street"
CLINIC = "the Sunrise stem-cell clinic cures MS"


def _post(author_name: str, body: str) -> Post:
    from forum.models import User

    author = db.session.scalar(select(User).where(User.username == author_name))
    thread = create_thread(author=author, body=body, category=create_category())
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id))


def _history(client, post: Post, who: str | None) -> str:
    if who:
        client.login(who)
    html = client.get(f"/p/{post.id}/history").get_data(as_text=True)
    if who:
        client.logout()
    return html


@pytest.fixture()
def people(ctx):
    for name, role in (("Tess", "member"), ("Sam", "member"), ("Moira", "moderator")):
        create_user(name, role=role)


def test_text_the_author_removed_is_not_public(client, people):
    post = _post("Tess", f"Seen by {SECRET} today.")
    client.login("Tess")
    assert client.post_form(f"/p/{post.id}/edit", {"title": "Hair loss on Tecfidera", "body": "Seen today."}).status_code == 302
    client.logout()
    for who in (None, "Sam"):
        html = _history(client, post, who)
        assert "Seen today." in html and SECRET not in html
        assert "Only its author and the moderators can see earlier versions" in html
    assert SECRET in _history(client, post, "Tess")
    assert SECRET in _history(client, post, "Moira")


def test_a_moderator_redaction_removes_the_text_from_history(app, client, people):
    post = _post("Tess", f"Go to {CLINIC}.")
    client.login("Moira")
    response = client.post_form(f"/moderation/post/{post.id}/edit",
                                {"body": "Go to a neurologist you trust. [Link removed]", "note": "clinic promotion"})
    assert response.status_code == 302
    client.logout()
    for who in (None, "Sam", "Tess"):
        html = _history(client, post, who)
        assert "[Link removed]" in html and CLINIC not in html, who
    assert "removed text from its history" in _history(client, post, "Tess")
    moderator_view = _history(client, post, "Moira")
    assert CLINIC in moderator_view and "visible to moderators only" in moderator_view


def test_the_author_keeps_seeing_their_own_later_versions(client, people):
    post = _post("Tess", f"Go to {CLINIC}.")
    client.login("Moira")
    client.post_form(f"/moderation/post/{post.id}/edit", {"body": "Version from the moderator."})
    client.logout()
    client.login("Tess")
    client.post_form(f"/p/{post.id}/edit", {"title": "Hair loss on Tecfidera", "body": "Tess rewrites it."})
    html = client.get(f"/p/{post.id}/history").get_data(as_text=True)
    assert "Tess rewrites it." in html and "Version from the moderator." in html and CLINIC not in html
