"""Issue 14, a new member's walk-through: what they ran into, in a real browser."""
from __future__ import annotations

import pytest

from tests.e2e.comfort_seed import comfort_ids, log_in

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect


def test_a_reply_posted_straight_after_typing_leaves_no_draft(open_page, site):
    ids = comfort_ids(site)
    thread_url = site(f"/t/{ids['long_thread_id']}-{ids['long_thread_slug']}")
    page = open_page()
    log_in(page, site, "cara_e2e")
    page.goto(thread_url)
    text = "Posted at once: a damp flannel in the freezer works as well as any cooling vest."
    box = page.get_by_role("region", name="Reply").get_by_label("Your reply")
    box.press_sequentially("Posted")
    box.fill(text)
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator("article.post", has_text="damp flannel in the freezer")).to_be_visible()
    page.wait_for_timeout(1500)  # room for a save sent while the page was leaving to reach the server

    page.goto(thread_url)
    expect(page.get_by_role("region", name="Reply").get_by_label("Your reply")).to_have_value("")
    expect(page.locator("[data-draft-status]")).not_to_contain_text("Draft saved")
    page.goto(site("/drafts"))
    expect(page.get_by_role("main")).not_to_contain_text("damp flannel")


def _hidden_reply_notifying(site, watcher: str) -> str:
    """The watcher's thread gets a reply, the watcher is notified, then a moderator hides the reply."""
    from sqlalchemy import select

    from forum.boards import service as boards
    from forum.extensions import db
    from forum.models import Category, Post, User
    from moderation import actions

    with site.app.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        category = db.session.scalar(select(Category).where(Category.slug == site.ids["category_slug"]))
        thread = boards.create_thread(users[watcher], category, "Clinics abroad: worth asking about?",
                                      "Has anyone been offered treatment abroad?")
        reply = boards.create_reply(users["dan_e2e"], thread, "The Sunrise clinic cures MS for 9,000 dollars.")
        title, reply_id = thread.title, reply.id
        db.session.remove()
    site.run_worker()
    with site.app.app_context():
        admin = db.session.scalar(select(User).where(User.username == site.ids["admin"]))
        actions.hide(admin, db.session.get(Post, reply_id), "clinic_promotion")
        db.session.remove()
    return title


def test_a_notification_about_a_hidden_post_says_what_happened(open_page, site):
    comfort_ids(site)
    title = _hidden_reply_notifying(site, "cara_e2e")
    page = open_page()
    log_in(page, site, "cara_e2e")
    page.goto(site("/notifications"))
    entry = page.get_by_role("listitem").filter(has_text=f"dan_e2e replied to “{title}”")
    expect(entry).to_contain_text("Post hidden by the moderators")

    entry.get_by_role("button").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("This post is no longer available")
    expect(page.get_by_role("main")).to_contain_text("This post was hidden by the moderators.")
    expect(page.get_by_role("main")).not_to_contain_text("Sunrise")
    page.get_by_role("link", name=f"Go to the thread “{title}”").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("main")).not_to_contain_text("Sunrise")


def test_posting_a_reply_says_the_thread_is_now_watched_and_lets_you_stop(open_page, site):
    comfort_ids(site)
    page = open_page()
    log_in(page, site, "dan_e2e")
    page.goto(site(f"/t/{site.ids['thread_id']}-{site.ids['thread_slug']}"))
    reply = page.get_by_role("region", name="Reply")
    expect(reply).to_contain_text("Posting a reply also watches this thread")
    reply.get_by_label("Your reply").fill("My rollator folds flat enough for a small car boot.")
    reply.get_by_role("button", name="Post reply").click()

    expect(page.get_by_role("status")).to_contain_text("You're now watching this thread: you'll be notified of replies.")
    reply = page.get_by_role("region", name="Reply")
    expect(reply).to_contain_text("You're watching this thread")
    reply.get_by_role("button", name="Stop reply notifications").click()
    expect(page.get_by_role("status")).to_contain_text("You stopped watching this thread.")
    expect(page.get_by_role("region", name="Reply")).to_contain_text("Posting a reply also watches this thread")


def test_the_header_search_is_labelled_and_the_search_page_has_one_box(page, site):
    page.goto(site("/latest"))
    label = page.get_by_text("Search the forum", exact=True)
    expect(label).to_be_visible()
    box = label.bounding_box()
    assert box["width"] > 40 and box["height"] > 8, f"the label is not readable on screen: {box}"
    page.get_by_label("Search the forum").fill("rollator")
    page.get_by_role("search").get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Search the forum")
    expect(page.get_by_role("search")).to_have_count(1)
    expect(page.get_by_label("Search for")).to_have_value("rollator")


def test_a_misspelt_drug_name_says_what_was_searched(page, site):
    page.goto(site("/search?q=ocrevis"))
    expect(page.get_by_role("status")).to_contain_text("Showing results for ocrevus")
    page.get_by_role("link", name="Search instead for ocrevis").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("No results")
