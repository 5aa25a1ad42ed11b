"""Rows the comfort e2e tests need, added once to the shared e2e forum (tests/e2e/conftest.py `site`).

A member of their own (cara_e2e), a long thread with helpful marks and a moderator note (for the
summary), and, for the admin, a draft and a read-later entry (so those pages have content).
Nothing here touches what the foundation's tests look at.
"""
from __future__ import annotations

from tests.e2e.conftest import PASSWORD

_SEEDED: dict[str, dict] = {}
LONG_TITLE = "Cooling vests, fans and other heat tricks"


def comfort_ids(site) -> dict:
    if site.url in _SEEDED:
        return _SEEDED[site.url]
    from sqlalchemy import select

    from forum.accounts import service as accounts
    from forum.boards import service as boards
    from forum.comfort import drafts, read_later
    from forum.comfort.drafts import Target
    from forum.extensions import db
    from forum.models import Category, Post, User

    with site.app.app_context():
        cara = accounts.register("cara_e2e", "cara@example.org", PASSWORD)
        dan = accounts.register("dan_e2e", "dan@example.org", PASSWORD)
        admin = db.session.scalar(select(User).where(User.username == site.ids["admin"]))
        category = db.session.scalar(select(Category).where(Category.slug == site.ids["category_slug"]))
        thread = boards.create_thread(dan, category, LONG_TITLE,
                                      "Summer is coming. What keeps you going in the heat?")
        posts = [boards.create_reply(cara if n % 2 else dan, thread, f"Heat tip number {n}: " + (
            "a cooling vest with ice packs." if n == 3 else "a cold drink before going out." if n == 6 else
            "a fan by the bed.")) for n in range(1, 9)]
        boards.toggle_helpful(dan, posts[2])
        boards.toggle_helpful(admin, posts[2])
        boards.toggle_helpful(cara, posts[5])
        note = db.session.get(Post, posts[4].id)
        note.context_note = "Heat makes symptoms worse for a while (Uhthoff's phenomenon); it does not cause new damage."
        db.session.commit()
        draft = drafts.save(admin, Target.thread(thread.id), "", "An admin's unfinished reply about fans.")
        drafts.save(admin, Target.category(category.id), "Idea for a thread", "Night-time bladder tricks")
        read_later.toggle(admin, thread)
        ids = {"long_thread_id": thread.id, "long_thread_slug": thread.slug, "admin_draft_id": draft.id,
               "category_id": category.id}
        db.session.remove()
    _SEEDED[site.url] = ids
    return ids


def comfort_page_types(site) -> dict[str, tuple[str, str | None]]:
    """The comfort pages: name -> (path, who looks at it)."""
    ids = comfort_ids(site)
    return {
        "drafts": ("/drafts", "admin"),
        "discard draft": (f"/drafts/{ids['admin_draft_id']}/discard", "admin"),
        "read later": ("/read-later", "admin"),
        "summary": (f"/t/{ids['long_thread_id']}/summary", None),
        "summary (member)": (f"/t/{ids['long_thread_id']}/summary", "member"),
        "long thread (member)": (f"/t/{ids['long_thread_id']}-{ids['long_thread_slug']}", "member"),
        "keyboard shortcuts": ("/keyboard", None),
        "reading comfort": ("/reading", None),
        "reading comfort (member)": ("/reading", "member"),
    }


COMFORT_PAGE_NAMES = ["drafts", "discard draft", "read later", "summary", "summary (member)", "long thread (member)",
                      "keyboard shortcuts", "reading comfort", "reading comfort (member)"]


def log_in(page, site, username: str) -> None:
    page.goto(site("/login"))
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def set_reading_cookie(page, site, value: str) -> None:
    page.context.add_cookies([{"name": "reading", "value": value, "url": site.url}])
