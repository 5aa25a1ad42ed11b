"""/users, the members directory (issue 14): for logged-in members, public profile facts only."""
import pytest

from forum.accounts import members, routes
from forum.boards import service as boards
from forum.privacy import deletion
from moderation import actions
from tests.helpers import PASSWORD, create_thread, create_user


@pytest.fixture()
def people(ctx):
    tess, sam = create_user("Tess"), create_user("Sam")
    thread = create_thread(author=tess)
    boards.create_reply(tess, thread, "A second post")
    hidden = boards.create_reply(tess, thread, "A post the moderators hid")
    mod = create_user("Mona", role="moderator")
    actions.hide(mod, hidden, "spam")
    return {"tess": tess, "sam": sam, "mona": mod}


def test_visitors_are_asked_to_log_in(client, people):
    response = client.get("/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_members_see_names_join_dates_and_post_counts(client, people):
    client.login("Sam")
    html = client.get("/users").get_data(as_text=True)
    assert '<a href="/u/Tess">Tess</a>' in html and '<a href="/u/Sam">Sam</a>' in html
    assert people["tess"].created_at.strftime("%d %b %Y") in html
    assert [(r.username, r.posts) for r in members.listed(0, 10)] == [("Mona", 0), ("Sam", 0), ("Tess", 2)]
    assert "tess@example.org" not in html and "moderator" not in _main(html).lower()


def test_former_and_banned_members_are_not_listed(client, people):
    deletion.delete_account(people["sam"], PASSWORD, "keep")
    actions.ban(people["mona"], create_user("Spammy"))
    assert [r.username for r in members.listed(0, 10)] == ["Mona", "Tess"]
    client.login("Tess")
    html = _main(client.get("/users").get_data(as_text=True))
    assert "deleted-member" not in html and "Spammy" not in html


def test_the_directory_is_paged(client, people, monkeypatch):
    monkeypatch.setattr(routes, "MEMBERS_PER_PAGE", 2)
    client.login("Tess")
    first = _main(client.get("/users").get_data(as_text=True))
    assert "Page 1 of 2" in first and ">Tess</a>" not in first
    assert ">Tess</a>" in _main(client.get("/users?page=2").get_data(as_text=True))
    assert client.get("/users?page=3").status_code == 404


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]
