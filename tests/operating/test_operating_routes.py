"""The category admin page and the thread tools through the browser's forms (test client)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Category, Notification, Thread
from moderation.models import AuditEntry
from tests.helpers import create_category, create_thread, create_user


@pytest.fixture()
def staff(ctx):
    return {"admin": create_user("adminada", role="admin"), "moderator": create_user("modmo", role="moderator"),
            "member": create_user("tess")}


def test_admin_creates_edits_and_archives_a_category_from_the_page(client, staff):
    client.login("adminada")
    assert client.get("/admin/categories").status_code == 200
    response = client.post_form("/admin/categories/new", {"name": "Announcements", "slug": "",
                                                          "description": "From the team", "read_only": "y"},
                                token_page="/admin/categories/new")
    assert response.status_code == 302
    category = db.session.scalar(select(Category))
    assert (category.slug, category.read_only) == ("announcements", True)
    page = client.get("/admin/categories").get_data(as_text=True)
    assert "Announcements" in page and "read-only (announcements)" in page
    response = client.post_form(f"/admin/categories/{category.id}/edit",
                                {"name": "News", "slug": "news", "description": "", "position": "3"},
                                token_page=f"/admin/categories/{category.id}/edit")
    assert response.status_code == 302
    db.session.refresh(category)
    assert (category.name, category.slug, category.position, category.read_only) == ("News", "news", 3, False)
    assert 'href="/c/news"' in client.get("/").get_data(as_text=True)
    assert client.post_form(f"/admin/categories/{category.id}/archive", token_page="/admin/categories").status_code == 302
    assert 'href="/c/news"' not in client.get("/").get_data(as_text=True)
    assert [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
        "category_create", "category_edit", "category_archive"]


def test_a_bad_slug_shows_on_the_form_with_a_400(client, staff):
    create_category("Fatigue")
    client.login("adminada")
    response = client.post_form("/admin/categories/new", {"name": "Tired", "slug": "Fatigue"},
                                token_page="/admin/categories/new")
    assert response.status_code == 400
    assert "The slug must be lowercase: try “fatigue”" in response.get_data(as_text=True)
    response = client.post_form("/admin/categories/new", {"name": "Tired", "slug": "fatigue"},
                                token_page="/admin/categories/new")
    assert response.status_code == 400
    assert "already used by the category “Fatigue”" in response.get_data(as_text=True)
    assert db.session.scalar(select(Category).where(Category.name == "Tired")) is None


def test_move_buttons_reorder_the_front_page(client, staff):
    create_category("Alpha"), create_category("Beta")
    beta = db.session.scalar(select(Category).where(Category.name == "Beta"))
    client.login("adminada")
    assert client.post_form(f"/admin/categories/{beta.id}/up", token_page="/admin/categories").status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert html.index("Beta") < html.index("Alpha")


def test_members_and_moderators_get_403_on_the_admin_page(client, staff):
    category = create_category("Fatigue")
    for name in ("tess", "modmo"):
        client.login(name)
        assert client.get("/admin/categories").status_code == 403
        assert client.post_form(f"/admin/categories/{category.id}/archive").status_code == 403
        client.logout()
    assert db.session.get(Category, category.id).archived_at is None


def test_member_posting_in_a_read_only_category_is_refused_in_words(client, staff):
    news = create_category("Announcements")
    news.read_only = True
    db.session.commit()
    thread = create_thread(staff["moderator"], title="Forum rules", category=news)
    client.login("tess")
    assert "Start a new thread" not in client.get("/c/announcements").get_data(as_text=True)
    response = client.get("/c/announcements/new")
    assert response.status_code == 403
    assert "Only moderators and admins can start threads in “Announcements”" in response.get_data(as_text=True)
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Only moderators and admins can post in “Announcements”" in page and 'name="body"' not in page
    assert client.get(f"/t/{thread.id}/reply").status_code == 403
    client.logout()
    client.login("modmo")
    assert 'name="body"' in client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_thread_tools_show_for_moderators_only(client, staff):
    thread = create_thread(staff["member"], category=create_category("Symptoms"))
    client.login("tess")
    assert "Moderator tools for this thread" not in client.get(f"/t/{thread.id}").get_data(as_text=True)
    client.logout()
    client.login("modmo")
    assert "Moderator tools for this thread" in client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_moderator_pins_with_a_date_closes_and_moves_through_the_forms(client, staff):
    symptoms = create_category("Symptoms")
    create_category("Treatments & DMTs")
    thread = create_thread(staff["member"], title="Numb feet", category=symptoms)
    client.login("modmo")
    page = f"/t/{thread.id}"
    until = (date.today() + timedelta(days=7)).isoformat()
    response = client.post_form(f"/moderation/thread/{thread.id}/pin", {"until": until}, token_page=page)
    assert response.status_code == 302
    assert "Pinned until" in client.get(page).get_data(as_text=True)
    assert client.post_form(f"/moderation/thread/{thread.id}/close", token_page=page).status_code == 302
    assert "Closed: no new replies" in client.get(page).get_data(as_text=True)
    target = db.session.scalar(select(Category).where(Category.name == "Treatments & DMTs"))
    response = client.post_form(f"/moderation/thread/{thread.id}/move", {"category": str(target.id)}, token_page=page)
    assert response.status_code == 302
    db.session.expire_all()
    thread = db.session.get(Thread, thread.id)
    assert (thread.pinned_until.date().isoformat(), thread.closed, thread.category_id) == (until, True, target.id)
    assert client.get(f"/t/{thread.id}-numb-feet").status_code == 200  # the old address still works
    messages = list(db.session.scalars(select(Notification.message).where(Notification.user_id == staff["member"].id)))
    assert len(messages) == 3 and messages[-1].endswith("to Treatments & DMTs.")
    client.logout()
    client.login("tess")
    assert "This thread is closed. No new replies" in client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert client.get(f"/t/{thread.id}/reply").status_code == 403


def test_a_past_pin_date_gets_a_400_with_the_reason(client, staff):
    thread = create_thread(staff["member"], category=create_category("Symptoms"))
    client.login("modmo")
    response = client.post_form(f"/moderation/thread/{thread.id}/pin", {"until": "2020-01-01"},
                                token_page=f"/t/{thread.id}")
    assert response.status_code == 400
    assert "The unpin date must be in the future." in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["pin", "unpin", "close", "reopen", "move"])
def test_members_get_403_on_every_thread_tool(client, staff, path):
    thread = create_thread(staff["member"], category=create_category("Symptoms"))
    client.login("tess")
    response = client.post_form(f"/moderation/thread/{thread.id}/{path}", {"category": "1"}, token_page=f"/t/{thread.id}")
    assert response.status_code == 403
    assert db.session.scalar(select(AuditEntry)) is None
