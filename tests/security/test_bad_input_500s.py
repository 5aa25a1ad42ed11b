"""Odd ids and odd redirect targets answer 400/404, never 500 (audit finding 13)."""
from __future__ import annotations

import pytest

from tests.helpers import create_category, create_thread, create_user

HUGE = "99999999999999999999999"
PAST_64_BITS = str(2**63)


@pytest.fixture()
def member(client, ctx):
    create_user("Moira", role="moderator")
    create_thread(author=create_user("Tess"), category=create_category())
    return client


@pytest.mark.parametrize("url", [
    f"/t/{HUGE}", f"/t/{HUGE}-slug", f"/p/{PAST_64_BITS}", f"/p/{PAST_64_BITS}/edit", f"/p/{PAST_64_BITS}/history",
    f"/t/{PAST_64_BITS}/summary", f"/t/{PAST_64_BITS}/reply", f"/moderation/post/{PAST_64_BITS}",
])
def test_ids_beyond_64_bits_are_not_found(member, url):
    member.login("Moira")
    response = member.get(url)
    assert response.status_code == 404, url


@pytest.mark.parametrize("query", [f"quote={HUGE}", "quote=%C2%B2", f"quote={PAST_64_BITS}"])
def test_a_strange_quote_id_just_opens_the_reply_form(member, query):
    member.login("Tess")
    assert member.get(f"/t/1/reply?{query}").status_code == 200


@pytest.mark.parametrize("url", ["/latest?page=%C2%B2", "/api/v1/search?q=fatigue&per_page=%C2%B2"])
def test_unicode_digits_in_numbers_are_a_clear_400(member, url):
    assert member.get(url).status_code == 400


@pytest.mark.parametrize("target", ["/%0d%0aX:1", "/%0aSet-Cookie:x=1", "/%09/evil.example"])
def test_a_next_with_control_characters_goes_home(member, target):
    response = member.post_form(f"/login?next={target}", {"login": "Tess", "password": "correct horse battery"})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://forum.test/")
    again = member.get(f"/login?next={target}")
    assert again.status_code == 302 and again.headers["Location"] in ("/", "http://forum.test/")
