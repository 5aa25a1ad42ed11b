"""Search by author follows the profile's rule about listing a member's posts (audit finding 7).

"Hide my posts from visitors" keeps a member's post list from visitors who are not logged in; an
author: search is that list by another road, on every backend and on the HTML page too. After an
account deletion that keeps the posts, the deleted-member-N placeholder finds nothing.
"""
from __future__ import annotations

import pytest

from forum.extensions import db
from forum.privacy import deletion
from tests.helpers import PASSWORD, create_category, create_thread, create_user
from tests.search.conftest import backend  # noqa: F401  (runs each test on every backend this database has)


@pytest.fixture()
def bob_hides(backend, ctx):  # noqa: F811
    from forum.search import sync_dirty_posts

    bob = create_user("bob")
    bob.hide_posts_from_visitors = True
    db.session.commit()
    create_thread(author=bob, title="Baclofen and stiffness at night", body="Baclofen helps my spasticity.",
                  category=create_category())
    while sync_dirty_posts():
        pass
    return bob


def _api_titles(client, query: str) -> tuple[list[str], list[str]]:
    data = client.get("/api/v1/search", query_string={"q": query}).get_json()
    return [h["thread_title"] for h in data["results"]], data.get("messages", [])


def test_a_visitor_cannot_list_a_hidden_members_posts_by_searching_their_name(bob_hides, client):
    titles, messages = _api_titles(client, "author:bob")
    assert titles == []
    assert any("logged-in members only" in m for m in messages)
    assert _api_titles(client, "@bob baclofen")[0] == []
    page = client.get("/search?q=author%3Abob").get_data(as_text=True)
    assert "Baclofen and stiffness at night" not in page
    assert "logged-in members only" in page


def test_the_posts_themselves_are_still_found_by_their_words(bob_hides, client):
    assert _api_titles(client, "baclofen")[0] == ["Baclofen and stiffness at night"]


def test_a_logged_in_member_can_search_by_that_author(bob_hides, client):
    create_user("carol")
    client.login("carol")
    assert _api_titles(client, "author:bob")[0] == ["Baclofen and stiffness at night"]


def test_a_deleted_members_placeholder_name_finds_nothing_even_for_members(bob_hides, client):
    from forum.search import sync_dirty_posts

    result = deletion.delete_account(bob_hides, PASSWORD, "keep")
    while sync_dirty_posts():
        pass
    create_user("carol")
    for who in (None, "carol"):
        if who:
            client.login(who)
        titles, messages = _api_titles(client, f"author:{result.new_username}")
        assert titles == [], who
        assert any("no member called" in m for m in messages), who
    assert _api_titles(client, "baclofen")[0] == ["Baclofen and stiffness at night"]  # kept posts still read


def test_a_moderator_can_still_search_a_former_members_posts(bob_hides, client):
    result = deletion.delete_account(bob_hides, PASSWORD, "keep")
    create_user("Moira", role="moderator")
    client.login("Moira")
    assert _api_titles(client, f"author:{result.new_username}")[0] == ["Baclofen and stiffness at night"]
