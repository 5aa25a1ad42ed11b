"""Drafts through the forms, the way members meet them: Save draft, autosave, posting after the session ended."""
import re

import pytest
from sqlalchemy import func, select

from forum.comfort import drafts
from forum.comfort.drafts import Target
from forum.comfort.models import Draft
from forum.extensions import db
from forum.models import Post, Thread
from tests.helpers import FormClient, create_category, create_thread, create_user


@pytest.fixture()
def setup(client, ctx):
    category = create_category()
    tess, ben = create_user("Tess"), create_user("Ben")
    thread = create_thread(author=ben, category=category, title="Heat and fatigue")
    client.login("Tess")
    return client, tess, thread, category


def _posts() -> int:
    return db.session.scalar(select(func.count(Post.id)))


def _end_sessions(user) -> None:
    from forum.accounts.service import end_all_sessions

    end_all_sessions(user)


def _form_body(html: str) -> str:
    match = re.search(r"<textarea[^>]*name=\"body\"[^>]*>\r?\n?(.*?)</textarea>", html, re.S)
    assert match, "no body textarea"
    return match.group(1)


def test_save_draft_button_keeps_the_text_and_brings_it_back(setup):
    client, tess, thread, _ = setup
    response = client.post_form(f"/t/{thread.id}/reply", {"body": "Half-written reply", "save_draft": "1"})
    assert response.status_code == 302
    assert f"/t/{thread.id}/reply?draft=" in response.headers["Location"]
    assert _posts() == 1  # nothing posted
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your draft is saved" in html and _form_body(html) == "Half-written reply"
    # the inline reply box on the thread page opens with it too, as does the new page on "another device"
    assert _form_body(client.get(f"/t/{thread.id}").get_data(as_text=True)) == "Half-written reply"
    other_device = FormClient(client.application.test_client())
    other_device.login("Tess")
    assert _form_body(other_device.get(f"/t/{thread.id}/reply").get_data(as_text=True)) == "Half-written reply"


def test_save_draft_survives_logout_and_posting_removes_it(setup):
    client, tess, thread, _ = setup
    client.post_form(f"/t/{thread.id}/reply", {"body": "Before logging out", "save_draft": "1"})
    client.logout()
    client.login("Tess")
    html = client.get("/drafts").get_data(as_text=True)
    assert "Reply to “Heat and fatigue”" in html and "Before logging out" in html
    draft = drafts.latest_for(tess, Target.thread(thread.id))
    response = client.post_form(f"/t/{thread.id}/reply", {"body": "Before logging out, finished", "draft_id": draft.id})
    assert response.status_code == 302 and _posts() == 2
    assert drafts.list_for(tess) == []
    assert "No drafts" in client.get("/drafts").get_data(as_text=True)


def test_new_thread_draft_keeps_title_and_body(setup):
    client, tess, _, category = setup
    response = client.post_form(f"/c/{category.slug}/new", {"title": "Cold showers?", "body": "", "save_draft": "1"})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="Cold showers?"' in html
    draft = drafts.latest_for(tess, Target.category(category.id))
    response = client.post_form(f"/c/{category.slug}/new", {"title": "Cold showers?", "body": "Do they help?",
                                                             "draft_id": draft.id})
    assert response.status_code == 302
    assert drafts.list_for(tess) == []


def test_save_draft_with_nothing_to_save_says_so(setup):
    client, _, thread, _ = setup
    response = client.post_form(f"/t/{thread.id}/reply", {"body": "  ", "save_draft": "1"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "nothing to save" in html and 'aria-describedby="body-hint body-error"' in html


def test_posting_after_the_session_ended_keeps_the_text_then_posts_it_after_login(setup, app):
    client, tess, thread, _ = setup
    token = client.token(f"/t/{thread.id}/reply")
    _end_sessions(tess)  # logged out elsewhere: this browser keeps its session cookie (and its CSRF token)
    expired = client
    response = expired.post(f"/t/{thread.id}/reply", data={"body": "A long reply typed slowly", "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/login?next=/t/{thread.id}/reply")
    assert _posts() == 1
    cookie = expired.get_cookie("pending_post", domain="forum.test")
    assert cookie is not None and cookie.http_only
    login_page = expired.get(response.headers["Location"]).get_data(as_text=True)
    assert "your reply was not posted yet. It is kept safely" in login_page
    # log in again: back on the form with the text, kept as a draft; nothing is published without a click
    response = expired.post_form(f"/login?next=/t/{thread.id}/reply", {"login": "Tess", "password": "correct horse battery"})
    assert response.headers["Location"] == f"/t/{thread.id}/reply"
    html = expired.get(f"/t/{thread.id}/reply").get_data(as_text=True)
    assert "Welcome back" in html and _form_body(html) == "A long reply typed slowly"
    assert expired.get_cookie("pending_post", domain="forum.test") is None
    assert _posts() == 1
    draft = drafts.latest_for(tess, Target.thread(thread.id))
    assert draft.body == "A long reply typed slowly"
    response = expired.post_form(f"/t/{thread.id}/reply", {"body": draft.body, "draft_id": draft.id})
    assert response.status_code == 302 and _posts() == 2
    assert drafts.list_for(tess) == []


def test_new_thread_after_the_session_ended(setup, app):
    client, tess, _, category = setup
    token = client.token(f"/c/{category.slug}/new")
    _end_sessions(tess)
    expired = client
    response = expired.post(f"/c/{category.slug}/new", data={"title": "Night cramps", "body": "Anything that helps?",
                                                              "csrf_token": token})
    assert response.status_code == 302 and "/login?next=/c/" in response.headers["Location"]
    expired.login("Tess")
    html = expired.get(f"/c/{category.slug}/new").get_data(as_text=True)
    assert 'value="Night cramps"' in html and _form_body(html) == "Anything that helps?"
    assert db.session.scalar(select(func.count(Thread.id))) == 1


def test_an_anonymous_post_with_nothing_in_it_just_asks_to_log_in(setup, app):
    _, _, thread, _ = setup
    response = FormClient(app.test_client()).post(f"/t/{thread.id}/reply", data={"body": ""})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(func.count(Draft.id))) == 0


def test_a_stale_csrf_token_keeps_the_text_and_asks_again(setup):
    client, tess, thread, _ = setup
    old = drafts.save(tess, Target.thread(thread.id), "", "my older draft")
    response = client.post(f"/t/{thread.id}/reply", data={"body": "typed in a restored tab", "csrf_token": "stale",
                                                           "draft_id": old.id})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "form expired" in html and "nothing was posted yet" in html
    assert _form_body(html) == "typed in a restored tab"
    assert _posts() == 1
    assert sorted(d.body for d in drafts.list_for(tess)) == ["my older draft", "typed in a restored tab"]
    kept = drafts.latest_for(tess, Target.thread(thread.id))
    assert f'name="draft_id" value="{kept.id}"' in html
    # the form now carries a fresh token: pressing the button again posts it
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(f"/t/{thread.id}/reply", data={"body": "typed in a restored tab", "csrf_token": token,
                                                           "draft_id": kept.id})
    assert response.status_code == 302 and _posts() == 2
    assert [d.body for d in drafts.list_for(tess)] == ["my older draft"]


def test_a_stale_save_draft_press_never_overwrites(setup):
    client, tess, thread, _ = setup
    old = drafts.save(tess, Target.thread(thread.id), "", "keep me")
    response = client.post(f"/t/{thread.id}/reply", data={"body": "other text", "save_draft": "1", "draft_id": old.id})
    assert response.status_code == 400
    db.session.refresh(old)
    assert old.body == "keep me"


def test_quote_is_added_below_the_draft(setup):
    client, tess, thread, _ = setup
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    drafts.save(tess, Target.thread(thread.id), "", "My draft so far.")
    body = _form_body(client.get(f"/t/{thread.id}/reply?quote={first.id}").get_data(as_text=True))
    assert body.startswith("My draft so far.\n\n&gt; **Ben**")


def test_locked_thread_and_visitors_see_no_draft_controls(setup, app):
    client, _, thread, _ = setup
    visitor = FormClient(app.test_client()).get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Save draft" not in visitor and "data-draft-form" not in visitor
    html = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Save draft" in html and f'data-draft-target="thread:{thread.id}"' in html
    thread.locked = True
    db.session.commit()
    html = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "This thread is locked." in html and "Save draft" not in html


# --------------------------------------------------------------------------- autosave API

def _autosave(client, payload, token=None, page="/reset"):
    headers = {"X-CSRFToken": token if token is not None else client.token(page)}
    return client.post("/api/drafts", json=payload, headers=headers)


def test_autosave_saves_and_updates_one_draft(setup):
    client, tess, thread, _ = setup
    response = _autosave(client, {"target": f"thread:{thread.id}", "body": "typing…", "title": ""})
    assert response.status_code == 200
    data = response.get_json()
    assert data["saved"] and data["draft_id"] and data["message"].startswith("Draft saved at")
    again = _autosave(client, {"target": f"thread:{thread.id}", "body": "typing… more", "title": "",
                               "draft_id": data["draft_id"]}).get_json()
    assert again["draft_id"] == data["draft_id"]
    assert [d.body for d in drafts.list_for(tess)] == ["typing… more"]
    assert _autosave(client, {"target": f"thread:{thread.id}", "body": "  "}).get_json() == {"saved": False, "message": ""}


def test_autosave_needs_a_session_and_a_csrf_token(setup, app):
    client, tess, thread, _ = setup
    visitor = FormClient(app.test_client())
    response = _autosave(visitor, {"target": f"thread:{thread.id}", "body": "x"})
    assert response.status_code == 401 and response.get_json()["error"] == "logged_out"
    response = _autosave(client, {"target": f"thread:{thread.id}", "body": "x"}, token="")
    assert response.status_code == 400 and response.is_json
    assert drafts.list_for(tess) == []


@pytest.mark.parametrize("payload,status", [
    ({"target": "thread:999", "body": "x"}, 404),
    ({"target": "category:999", "body": "x"}, 404),
    ({"target": "post:1", "body": "x"}, 400),
    ({"target": "thread:1", "body": ["x"]}, 400),
    ({"target": "thread:1", "body": "x", "title": 5}, 400),
    ([1, 2], 400),
    ({"target": "thread:1", "body": "nul \x00"}, 400),
])
def test_autosave_refuses_bad_input(setup, payload, status):
    client, tess, _, _ = setup
    response = _autosave(client, payload)
    assert response.status_code == status and response.is_json
    assert drafts.list_for(tess) == []


def test_autosave_of_a_thread_you_cannot_see_is_refused(setup):
    client, tess, _, category = setup
    hidden = create_thread(author=create_user("Zed"), category=category, title="Held for review")
    first = db.session.scalar(select(Post).where(Post.thread_id == hidden.id))
    first.moderation_state = "held"
    db.session.commit()
    assert _autosave(client, {"target": f"thread:{hidden.id}", "body": "x"}).status_code == 404


# --------------------------------------------------------------------------- drafts page and discarding

def test_drafts_page_is_private_and_discarding_asks_first(setup, app):
    client, tess, thread, category = setup
    draft = drafts.save(tess, Target.thread(thread.id), "", "Private words about my bladder")
    drafts.save(tess, Target.category(category.id), "Title idea", "")
    html = client.get("/drafts").get_data(as_text=True)
    assert "Private words about my bladder" in html and "New thread in Treatments &amp; DMTs" in html
    assert f"/t/{thread.id}/reply?draft={draft.id}" in html
    ben = FormClient(app.test_client())
    ben.login("Ben")
    assert "Private words" not in ben.get("/drafts").get_data(as_text=True)
    assert ben.get(f"/drafts/{draft.id}/discard").status_code == 404
    assert ben.post_form(f"/drafts/{draft.id}/discard", {}).status_code == 404
    assert FormClient(app.test_client()).get("/drafts").status_code == 302  # visitors: log in first
    page = client.get(f"/drafts/{draft.id}/discard").get_data(as_text=True)
    assert "Discard this draft?" in page and "Yes, discard this draft" in page
    assert drafts.get_own(tess, draft.id) is not None  # looking at the question changes nothing
    assert client.post(f"/drafts/{draft.id}/discard", data={}).status_code == 400  # no CSRF token
    response = client.post_form(f"/drafts/{draft.id}/discard", {})
    assert response.status_code == 302
    assert drafts.get_own(tess, draft.id) is None


def test_a_draft_for_a_thread_that_became_invisible_shows_no_title(setup):
    client, tess, _, category = setup
    thread = create_thread(author=create_user("Zed"), category=category, title="Secret clinic advert")
    drafts.save(tess, Target.thread(thread.id), "", "my reply text")
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    first.hidden_at = first.created_at
    db.session.commit()
    html = client.get("/drafts").get_data(as_text=True)
    assert "my reply text" in html and "no longer available" in html
    assert "Secret clinic advert" not in html


def test_the_last_autosave_of_a_posted_reply_arriving_late_keeps_no_draft(setup):
    client, tess, thread, _ = setup
    text, key = "Ice packs in a cool bag, wrapped in a tea towel.", "k" * 32
    response = client.post_form(f"/t/{thread.id}/reply", {"body": text, "submission": key})
    assert response.status_code == 302 and _posts() == 2

    late = _autosave(client, {"target": f"thread:{thread.id}", "body": text, "title": "", "submission": key})

    assert late.status_code == 200 and late.get_json()["saved"] is False
    assert drafts.list_for(tess) == []
    assert _form_body(client.get(f"/t/{thread.id}").get_data(as_text=True)) == ""
    assert text not in client.get("/drafts").get_data(as_text=True)
