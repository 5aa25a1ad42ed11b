"""Categories as admins run them (issue 16): the rules in forum/admin/categories.py and who may post where."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.admin import categories
from forum.admin.categories import CategoryFields
from forum.boards import queries, service
from forum.extensions import db
from forum.models import Category
from moderation.models import AuditEntry
from tests.helpers import create_category, create_thread, create_user


@pytest.fixture()
def admin(ctx):
    return create_user("adminada", role="admin")


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def front_page_names(viewer=None) -> list[str]:
    return [row.category.name for row in queries.category_overview(viewer)]


def test_create_makes_a_slug_from_the_name_puts_it_last_and_is_audited(admin):
    create_category("Symptoms")
    category = categories.create(admin, CategoryFields(name="Treatments & DMTs", description="Drugs"))
    assert category.slug == "treatments-dmts"
    assert front_page_names() == ["Symptoms", "Treatments & DMTs"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "category_create"))
    assert entry.actor_id == admin.id and entry.after["category"] == "Treatments & DMTs"
    from moderation.audit_text import describe

    assert describe(entry) == "Created the category “Treatments & DMTs”"


@pytest.mark.parametrize("slug, message", [
    ("Fatigue", "must be lowercase: try “fatigue”"),
    ("fatigue tips", "only use lowercase letters"),
    ("-fatigue", "only use lowercase letters"),
    ("fatigue--tips", "only use lowercase letters"),
    ("x" * 81, "the limit is 80"),
])
def test_bad_slugs_are_refused_on_the_slug_field(admin, slug, message):
    with pytest.raises(categories.CategoryError, match=message) as caught:
        categories.create(admin, CategoryFields(name="Fatigue", slug=slug))
    assert caught.value.field == "slug"
    db.session.rollback()
    assert db.session.scalar(select(Category)) is None


def test_a_slug_already_used_names_the_other_category(admin):
    categories.create(admin, CategoryFields(name="Fatigue"))
    with pytest.raises(categories.CategoryError, match="“fatigue” is already used by the category “Fatigue”"):
        categories.create(admin, CategoryFields(name="Tiredness", slug="fatigue"))


def test_edit_keeps_its_own_slug_and_records_what_changed(admin):
    category = categories.create(admin, CategoryFields(name="Fatigue"))
    categories.update(admin, category, CategoryFields(name="Fatigue & sleep", slug="fatigue", description="Naps",
                                                      position=category.position))
    assert (category.name, category.slug, category.description) == ("Fatigue & sleep", "fatigue", "Naps")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "category_edit"))
    assert entry.before["category"] == "Fatigue" and entry.after["description"] == "Naps"


def test_only_admins_change_categories(ctx):
    moderator = create_user("modmo", role="moderator")
    with pytest.raises(categories.NotAdmin):
        categories.create(moderator, CategoryFields(name="Fatigue"))


def test_move_up_and_down_changes_the_front_page_order(admin):
    a = categories.create(admin, CategoryFields(name="Alpha"))
    categories.create(admin, CategoryFields(name="Beta"))
    c = categories.create(admin, CategoryFields(name="Gamma"))
    categories.move(admin, c, "up")
    assert front_page_names() == ["Alpha", "Gamma", "Beta"]
    categories.move(admin, a, "down")
    assert front_page_names() == ["Gamma", "Alpha", "Beta"]
    with pytest.raises(categories.CategoryError, match="already first"):
        categories.move(admin, c, "up")
    assert actions()[-2:] == ["category_move_up", "category_move_down"]


def test_archived_category_leaves_the_front_page_but_its_threads_read_by_link(admin, client):
    keep = create_category("Symptoms")
    old = create_category("Old news")
    thread = create_thread(title="Clinic closing in 2019", category=old)
    create_thread(title="Numb feet", category=keep)
    categories.set_archived(admin, old, True)
    assert front_page_names() == ["Symptoms"]
    html = client.get("/").get_data(as_text=True)
    assert "Old news" not in html and "Symptoms" in html
    assert client.get(f"/t/{thread.id}").status_code == 200
    assert "This category is archived" in client.get("/c/old-news").get_data(as_text=True)
    categories.set_archived(admin, old, False)
    assert sorted(front_page_names()) == ["Old news", "Symptoms"]
    assert actions()[-2:] == ["category_archive", "category_unarchive"]


def test_archived_category_takes_no_new_threads(admin):
    old = create_category("Old news")
    categories.set_archived(admin, old, True)
    with pytest.raises(service.PostingRefused, match="archived"):
        service.create_thread(create_user("tess"), old, "New question", "Is anyone here?")
    with pytest.raises(service.PostingRefused, match="archived"):
        service.create_thread(admin, old, "New question", "Is anyone here?")


def test_read_only_category_refuses_members_and_lets_staff_post(admin):
    news = categories.create(admin, CategoryFields(name="Announcements", read_only=True))
    member = create_user("tess")
    with pytest.raises(service.PostingRefused, match="Only moderators and admins can start threads"):
        service.create_thread(member, news, "My question", "Can I post here?")
    thread = service.create_thread(create_user("modmo", role="moderator"), news, "Forum rules", "Be kind.")
    with pytest.raises(service.PostingRefused, match="Only moderators and admins can post"):
        service.create_reply(member, thread, "Thanks!")
    assert service.create_reply(admin, thread, "And read the FAQ.").number == 2
