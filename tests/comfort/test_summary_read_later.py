"""The summary of a long thread and the read-later list, both through forum.visibility."""
import re

import pytest
from sqlalchemy import select

from forum.boards import service as boards
from forum.comfort import read_later, summary
from forum.extensions import db
from forum.models import Post, utcnow
from tests.helpers import FormClient, create_category, create_thread, create_user


@pytest.fixture()
def long_thread(ctx):
    """12 posts; helpful marks on #4 (3), #9 (2), #2 (1); a context note on #7; #11 hidden, #12 held."""
    create_category()
    author, readers = create_user("Tess"), [create_user(f"Reader{i}") for i in range(3)]
    thread = create_thread(author=author, title="Heat and fatigue: what helps?", body="The first post.")
    posts = {1: db.session.scalar(select(Post).where(Post.thread_id == thread.id))}
    for n in range(2, 13):
        posts[n] = boards.create_reply(readers[n % 3] if n != 12 else author, thread, f"Reply number {n}.")
    fans = [author] + readers + [create_user("Extra")]
    for n, marks in ((4, 3), (9, 2), (2, 1)):
        for fan in [f for f in fans if f.id != posts[n].author_id][:marks]:
            boards.toggle_helpful(fan, posts[n])
    posts[7].context_note = "Moderator: heat sensitivity (Uhthoff's phenomenon) is temporary."
    posts[11].hidden_at = utcnow()
    posts[12].moderation_state = "held"
    db.session.commit()
    return thread, posts, author


def _numbers(result) -> list[int]:
    return [item.post.number for item in result.items]


def test_summary_has_first_most_helpful_and_noted_posts_in_order(long_thread):
    thread, posts, _ = long_thread
    result = summary.build(thread, None)
    assert _numbers(result) == [1, 2, 4, 7, 9]
    reasons = {item.post.number: item.reasons for item in result.items}
    assert reasons[1] == ["The first post"]
    assert reasons[4][0].startswith("Marked helpful by") and reasons[7] == ["Has a moderator's context note"]
    assert result.total_posts == 10  # the hidden and the held one are not counted for a visitor


def test_summary_keeps_only_the_most_helpful(long_thread, monkeypatch):
    thread, _, _ = long_thread
    monkeypatch.setattr(summary, "MOST_HELPFUL", 1)
    assert summary.most_helpful(thread, None, limit=1) == [(long_thread[1][4].id, 3)]


def test_hidden_and_held_posts_stay_out_unless_the_viewer_may_see_them(long_thread):
    thread, posts, author = long_thread
    for n in (11, 12):
        boards.toggle_helpful(create_user(f"Fan{n}"), posts[n])
    posts[12].context_note = "note on a held post"
    db.session.commit()
    assert 12 not in _numbers(summary.build(thread, None)) and 11 not in _numbers(summary.build(thread, None))
    assert 12 in _numbers(summary.build(thread, author))  # the author sees their own held post
    moderator = create_user("Mod", role="moderator")
    assert {11, 12} <= set(_numbers(summary.build(thread, moderator)))


def test_summary_page(client, long_thread):
    thread, posts, _ = long_thread
    html = client.get(f"/t/{thread.id}/summary").get_data(as_text=True)
    assert "<h1>Summary: Heat and fatigue: what helps?</h1>" in html
    assert "5 of 10 posts" in html
    assert html.index("The first post.") < html.index("Reply number 4.") < html.index("Uhthoff") < html.index("Reply number 9.")
    assert "Reply number 3." not in html
    assert re.findall(r"<h(\d)", html) == sorted(re.findall(r"<h(\d)", html))  # h1 then h2s: headings in order
    thread_page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert f'href="/t/{thread.id}/summary"' in thread_page


def test_summary_of_an_invisible_thread_is_404(client, ctx):
    create_category()
    thread = create_thread(title="Held thread")
    db.session.scalar(select(Post).where(Post.thread_id == thread.id)).moderation_state = "held"
    db.session.commit()
    assert client.get(f"/t/{thread.id}/summary").status_code == 404
    assert client.get("/t/999/summary").status_code == 404


def test_short_threads_do_not_offer_a_summary(client, ctx):
    create_category()
    thread = create_thread()
    assert f"/t/{thread.id}/summary" not in client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_read_later_toggle_and_list(client, ctx, app):
    create_category()
    tess = create_user("Tess")
    thread = create_thread(title="Bladder urgency tips")
    client.login("Tess")
    html = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert 'aria-pressed="false">Read later</button>' in html
    response = client.post_form(f"/t/{thread.id}/read-later", {})
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/t/{thread.id}")
    assert 'aria-pressed="true">Read later ✓</button>' in client.get(f"/t/{thread.id}").get_data(as_text=True)
    page = client.get("/read-later").get_data(as_text=True)
    assert "Bladder urgency tips" in page
    assert read_later.is_saved(tess, thread)
    # someone else's list is their own
    ben = FormClient(app.test_client())
    create_user("Ben")
    ben.login("Ben")
    assert "Bladder urgency tips" not in ben.get("/read-later").get_data(as_text=True)
    # removing from the list page comes back to the list
    response = client.post_form(f"/t/{thread.id}/read-later?next=/read-later", {})
    assert response.headers["Location"] == "/read-later"
    assert "list is empty" in client.get("/read-later").get_data(as_text=True)


def test_read_later_hides_threads_that_became_invisible_and_needs_csrf_and_login(client, ctx, app):
    create_category()
    create_user("Tess")
    thread = create_thread(title="Soon hidden")
    client.login("Tess")
    assert client.post(f"/t/{thread.id}/read-later", data={}).status_code == 400
    client.post_form(f"/t/{thread.id}/read-later", {})
    db.session.scalar(select(Post).where(Post.thread_id == thread.id)).hidden_at = utcnow()
    db.session.commit()
    assert "Soon hidden</a>" not in client.get("/read-later").get_data(as_text=True)
    assert client.post_form(f"/t/{thread.id}/read-later", {}).status_code == 404
    visitor = FormClient(app.test_client())
    assert visitor.get("/read-later").status_code == 302
    assert visitor.post_form(f"/t/{thread.id}/read-later", {}).status_code == 302


def test_open_redirect_is_refused(client, ctx):
    create_category()
    create_user("Tess")
    thread = create_thread()
    client.login("Tess")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        location = client.post_form(f"/t/{thread.id}/read-later?next={target}", {}).headers["Location"]
        assert location.startswith(f"/t/{thread.id}")
