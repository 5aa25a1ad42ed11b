"""Bad input gets a clear message and a 4xx, never a 500, never a half-written row."""
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, Thread
from tests.helpers import create_category, create_thread, create_user


@pytest.fixture()
def member(client, ctx):
    create_category()
    create_user("Tess")
    client.login("Tess")
    return client


def _counts():
    return db.session.scalar(select(func.count(Thread.id))), db.session.scalar(select(func.count(Post.id)))


@pytest.mark.parametrize("title,body,message", [
    ("", "body", "title"),
    ("   ", "body", "Give your thread a title"),
    ("x" * 100_001, "body", "limit is 200"),
    ("ok title", "", "Write something"),
    ("ok title", "   \n ", "Write something"),
    ("ok title", "x" * 200_001, "limit is 200,000 bytes"),
    ("nul \x00 title", "body", "NUL"),
    ("ok title", "nul \x00 body", "NUL"),
])
def test_new_thread_bad_input(member, title, body, message):
    before = _counts()
    response = member.post_form("/c/treatments-dmts/new", {"title": title, "body": body})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _counts() == before


def test_invalid_utf8_is_refused(member):
    before = _counts()
    token = member.token()
    body = b"title=ok+title&body=caf\xc3\xa9+\xff\xfe+broken&csrf_token=" + token.encode()
    response = member.post("/c/treatments-dmts/new", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "not valid UTF-8" in response.get_data(as_text=True)
    assert _counts() == before


def test_oversized_reply_is_refused_and_nothing_written(member):
    thread = create_thread()
    before = _counts()
    response = member.post_form(f"/t/{thread.id}/reply", {"body": "é" * 100_001})
    assert response.status_code == 400
    assert _counts() == before


def test_body_limit_is_configurable(app, member):
    app.config["MAX_BODY_BYTES"] = 50
    try:
        response = member.post_form("/c/treatments-dmts/new", {"title": "t", "body": "x" * 51})
    finally:
        app.config["MAX_BODY_BYTES"] = 200_000
    assert "limit is 50 bytes" in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["-1", "0", "abc", "1.5", "99999999999999999999", "%00"])
def test_bad_page_numbers_are_400(client, ctx, page):
    create_thread()
    for url in ("/latest", "/c/treatments-dmts", "/t/1"):
        response = client.get(f"{url}?page={page}")
        assert response.status_code == 400, url
        assert "page number" in response.get_data(as_text=True)


def test_page_past_the_end_is_404(client, ctx):
    create_thread()
    assert client.get("/latest?page=5").status_code == 404


@pytest.mark.parametrize("url", ["/t/999", "/t/999-slug", "/p/999", "/p/999/edit", "/u/nobody", "/c/nope/new", "/t/abc"])
def test_unknown_things_are_404(member, url):
    assert member.get(url).status_code == 404


def test_unknown_category_slug_on_post_is_404(member):
    assert member.post_form("/c/no-such-category/new", {"title": "t", "body": "b"}).status_code == 404


def test_huge_request_is_413(member):
    response = member.post("/c/treatments-dmts/new", data={"body": "x" * 2_000_000})
    assert response.status_code == 413
