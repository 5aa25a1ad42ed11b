"""One check on redirect targets, used by every route that takes one from the request (audit finding 18)."""
from __future__ import annotations

import pytest

from forum.redirects import safe_target
from tests.helpers import create_category, create_thread, create_user

OFF_SITE = ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "//evil.example", "/\\evil.example",
            "\\\\evil.example", "https://evil.example/", "javascript:alert(1)", "/\x00/evil.example",
            " //evil.example", "/\u00a0/evil.example", "http:/evil.example", ""]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_targets_fall_back(target):
    assert safe_target(target, "/home") == "/home"


@pytest.mark.parametrize("target", ["/t/1", "/t/1-hair-loss?page=2#p5", "/drafts", "/moderation/queue?kind=held"])
def test_paths_on_this_site_pass(target):
    assert safe_target(target, "/home") == target


def test_a_prefix_keeps_moderation_redirects_inside_moderation():
    assert safe_target("/moderation/queue", "/m", prefix="/moderation/") == "/moderation/queue"
    assert safe_target("/settings", "/m", prefix="/moderation/") == "/m"
    assert safe_target("/moderation/\t/evil.example", "/m", prefix="/moderation/") == "/m"


@pytest.fixture()
def forum(client, ctx):
    create_thread(author=create_user("Tess"), category=create_category())
    client.login("Tess")
    return client


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%5Cevil.example", "/%0A/evil.example"])
def test_read_later_does_not_send_members_off_site(forum, target):
    response = forum.post_form(f"/t/1/read-later?next={target}", {}, token_page="/t/1")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil.example" not in location and location.endswith("/t/1-hair-loss-on-tecfidera")


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%5Cevil.example"])
def test_login_does_not_send_members_off_site(client, ctx, target):
    create_user("Sam")
    response = client.post_form(f"/login?next={target}", {"login": "Sam", "password": "correct horse battery"})
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]
