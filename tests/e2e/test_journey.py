"""What two members do in a real browser: register, start a thread, quote, edit, react, mention, read.

And the same reading and posting with JavaScript switched off.
"""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

CATEGORY = "Symptoms & daily life"
TITLE = "Heat makes my legs give way"
FIRST = "Every summer my legs get weak after ten minutes outside. Cooling vests?"
EDITED = "Every summer my legs get weak after ten minutes outside. Has anyone tried a cooling vest?"


def register(page, site, username: str) -> None:
    page.goto(site("/"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Register").click()
    page.get_by_label("Username (your public pseudonym)").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.org")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    page.goto(site.mail_link(f"{username}@example.org", "/register/"))
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text(f"Welcome, {username}!")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name=username)).to_be_visible()


def post_of(page, text: str):
    """The article of the post whose body contains text (and is not only quoting it)."""
    return page.locator("article.post").filter(has=page.locator(".post-body > p", has_text=text)).first


def unread_badge(page):
    return page.get_by_role("navigation", name="Main").locator("#notification-count")


def test_two_members_thread_quote_edit_helpful_mention_notification(open_page, site):
    alma, bruno = open_page(), open_page()
    register(alma, site, "alma_j")
    register(bruno, site, "bruno_j")

    # Alma starts a thread in a category.
    alma.get_by_role("link", name=CATEGORY, exact=True).first.click()
    expect(alma.get_by_role("heading", level=1)).to_have_text(CATEGORY)
    alma.get_by_role("link", name="Start a new thread").click()
    alma.get_by_label("Title").fill(TITLE)
    alma.get_by_label("Your post").fill(FIRST)
    alma.get_by_role("button", name="Post thread").click()
    expect(alma.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(post_of(alma, FIRST)).to_be_visible()
    thread_url = alma.url

    # Bruno finds it under Latest and replies quoting Alma's post.
    bruno.get_by_role("link", name="Latest").click()
    bruno.get_by_role("link", name=TITLE).click()
    post_of(bruno, FIRST).get_by_role("link", name="Quote").click()
    body = bruno.get_by_label("Your reply")
    quoted = body.input_value()
    assert quoted.startswith("> **alma_j** [wrote]") and FIRST in quoted, quoted
    body.fill(quoted + "A vest and a cold drink before going out help me.")
    bruno.get_by_role("button", name="Post reply").click()
    reply = post_of(bruno, "A vest and a cold drink")
    expect(reply.locator("blockquote")).to_contain_text(FIRST)
    expect(reply.get_by_role("link", name="bruno_j")).to_be_visible()
    assert re.search(r"#p\d+$", bruno.url), bruno.url

    # Alma edits her post: the "edited" marker links to the history with both versions.
    alma.goto(thread_url)
    post_of(alma, FIRST).get_by_role("link", name="Edit").click()
    alma.get_by_label("Post", exact=True).fill(EDITED)
    alma.get_by_role("button", name="Save changes").click()
    expect(alma.get_by_role("status")).to_contain_text("Your changes are saved.")
    mine = post_of(alma, "Has anyone tried a cooling vest?")
    mine.get_by_role("link", name="edited").click()
    expect(alma.get_by_role("heading", level=1)).to_have_text("Edit history")
    expect(alma.get_by_role("heading", name="Version 2 (current)")).to_be_visible()
    expect(alma.get_by_role("heading", name="Version 1")).to_be_visible()
    expect(alma.locator(".revision").nth(1)).to_contain_text("Cooling vests?")

    # Bruno marks Alma's post helpful.
    bruno.goto(thread_url)
    helpful = post_of(bruno, "Has anyone tried").get_by_role("button", name="Mark helpful (0)")
    helpful.click()
    marked = post_of(bruno, "Has anyone tried").get_by_role("button", name="Helpful ✓ (1)")
    expect(marked).to_have_attribute("aria-pressed", "true")
    alma.goto(thread_url)
    expect(post_of(alma, "Has anyone tried")).to_contain_text("1 found this helpful")

    # Alma thanks Bruno with an @mention.
    reply_box = alma.get_by_role("region", name="Reply")
    reply_box.get_by_label("Your reply").fill("Thanks @bruno_j, I will try the cold drink.")
    reply_box.get_by_role("button", name="Post reply").click()
    mention = post_of(alma, "I will try the cold drink")
    expect(mention.get_by_role("link", name="@bruno_j")).to_have_attribute("href", "/u/bruno_j")
    mention_id = mention.get_attribute("id")
    site.run_worker()

    # Bruno sees one unread notification in the header, reads it and lands on the post.
    bruno.goto(site("/"))
    expect(unread_badge(bruno)).to_have_text(", 1 unread")
    bruno.get_by_role("link", name=re.compile(r"^Notifications\W+1 unread$")).click()
    expect(bruno.get_by_role("heading", level=1)).to_have_text("Notifications")
    bruno.get_by_role("button", name=f"Unread alma_j mentioned you in “{TITLE}”").click()
    assert bruno.url.endswith(f"#{mention_id}"), bruno.url
    expect(bruno.locator(f"#{mention_id}")).to_contain_text("Thanks @bruno_j")
    expect(unread_badge(bruno)).to_have_text("")
    bruno.get_by_role("link", name="Notifications", exact=True).click()
    expect(bruno.get_by_role("button", name=f"alma_j mentioned you in “{TITLE}”", exact=True)).to_be_visible()

    # Alma, watching her own thread, was told of Bruno's reply.
    alma.goto(site("/notifications"))
    expect(alma.get_by_role("button", name=f"Unread bruno_j replied to “{TITLE}”")).to_be_visible()


def test_reading_and_posting_work_without_javascript(open_page, site):
    page = open_page(java_script_enabled=False)
    assert page.evaluate("1 + 1") == 2  # Playwright still works; the page's own scripts do not run
    page.goto(site("/"))
    page.get_by_role("link", name="Treatments & DMTs").first.click()
    page.get_by_role("link", name="Walking aids that actually help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Walking aids that actually help")
    expect(post_of(page, "I tried a")).to_contain_text("rollator")

    # Log in from the thread and come back to it.
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Username or email").fill(site.ids["other"])
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Walking aids that actually help")

    # A new thread, then a reply to it, all with plain form posts.
    page.goto(site(f"/c/{site.ids['category_slug']}"))
    page.get_by_role("link", name="Start a new thread").click()
    page.get_by_role("button", name="Post thread").click()  # empty: the server explains
    expect(page.get_by_role("alert")).to_contain_text("Give your thread a title.")
    page.get_by_label("Title").fill("Posted without JavaScript")
    page.get_by_label("Your post").fill("Plain HTML forms are enough.")
    page.get_by_role("button", name="Post thread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Posted without JavaScript")
    page.get_by_label("Your reply").fill("And a reply, still without scripts.")
    page.get_by_role("button", name="Post reply").click()
    expect(post_of(page, "still without scripts")).to_be_visible()
    page.get_by_role("button", name="Stop watching").click()
    expect(page.get_by_role("status")).to_contain_text("You stopped watching this thread.")
