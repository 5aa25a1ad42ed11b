"""Drafts in a real browser: text typed before a session expired is posted after logging in again, and an
autosaved draft survives closing the whole browser (and so another device)."""
from __future__ import annotations

import re

import pytest

from tests.e2e.comfort_seed import comfort_ids, log_in
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect


def post_of(page, text: str):
    return page.locator("article.post").filter(has=page.locator(".post-body > p", has_text=text)).first


def _log_out_elsewhere(site, username: str) -> None:
    """"Log out everywhere" from another device: this browser keeps its cookie (and its form's CSRF token),
    which the forum needs before it keeps text from a logged-out POST (a cross-site POST has neither)."""
    from sqlalchemy import select

    from forum.accounts.service import end_all_sessions
    from forum.extensions import db
    from forum.models import User

    with site.app.app_context():
        end_all_sessions(db.session.scalar(select(User).where(User.username == username)))
        db.session.remove()


def test_a_reply_survives_an_expired_session_and_is_posted_after_logging_in_again(open_page, site):
    ids = comfort_ids(site)
    page = open_page()
    log_in(page, site, "cara_e2e")
    page.goto(site(f"/t/{ids['long_thread_id']}-{ids['long_thread_slug']}"))
    reply = page.get_by_role("region", name="Reply")
    text = "After a hot bath my legs go weak for an hour. A cool shower before bed helps me."
    reply.get_by_label("Your reply").fill(text)

    _log_out_elsewhere(site, "cara_e2e")  # the session ends while the member is still writing
    reply.get_by_role("button", name="Post reply").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_role("status")).to_contain_text("your reply was not posted yet. It is kept safely")
    page.get_by_label("Username or email").fill("cara_e2e")
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_role("main").get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(rf"/t/{ids['long_thread_id']}/reply$"))
    expect(page.get_by_role("status")).to_contain_text("Welcome back")
    expect(page.get_by_label("Your reply")).to_have_value(text)
    page.get_by_role("button", name="Post reply").click()
    expect(post_of(page, "A cool shower before bed helps me.")).to_be_visible()
    page.goto(site("/drafts"))
    expect(page.get_by_role("main")).not_to_contain_text("A cool shower before bed")


def test_an_autosaved_draft_survives_closing_the_browser(browser, site, open_page):
    comfort_ids(site)  # cara_e2e
    title, body = "Fatigue after the booster", "Three days of flattening tiredness. Is that usual with MS?"
    first_browser = browser.browser_type.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        page = first_browser.new_context(viewport=DESKTOP).new_page()
        log_in(page, site, "cara_e2e")
        page.goto(site(f"/c/{site.ids['category_slug']}/new"))
        page.get_by_label("Title").fill(title)
        page.get_by_label("Your post").press_sequentially(body[:20])
        page.get_by_label("Your post").fill(body)
        status = page.locator("[data-draft-status]")
        expect(status).to_contain_text("Draft saved at", timeout=10_000)  # nobody pressed anything
        assert status.get_attribute("aria-live") == "polite"
    finally:
        first_browser.close()  # the whole browser goes: tab, session cookie and all

    page = open_page()  # a fresh browser profile: what a restart, or another device, looks like
    log_in(page, site, "cara_e2e")
    page.get_by_role("contentinfo").get_by_role("link", name="Your drafts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your drafts")
    draft = page.get_by_role("listitem").filter(has_text=body)
    expect(draft.get_by_role("heading")).to_have_text(re.compile("^New thread in "))
    draft.get_by_role("link", name=re.compile("^Continue writing")).click()
    expect(page.get_by_label("Title")).to_have_value(title)
    expect(page.get_by_label("Your post")).to_have_value(body)
    page.get_by_role("button", name="Post thread").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.goto(site("/drafts"))
    expect(page.get_by_role("main")).not_to_contain_text(body)


def test_save_draft_and_discard_without_javascript(open_page, site):
    """No JavaScript: "Save draft" keeps the text; discarding asks on a page of its own."""
    comfort_ids(site)
    page = open_page(java_script_enabled=False)
    log_in(page, site, "cara_e2e")
    page.goto(site(f"/c/{site.ids['category_slug']}/new"))
    page.get_by_label("Your post").fill("Just an idea for now.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Your draft is saved")
    expect(page.get_by_label("Your post")).to_have_value("Just an idea for now.")
    page.goto(site("/drafts"))
    item = page.get_by_role("listitem").filter(has_text="Just an idea for now.")
    item.get_by_role("link", name=re.compile("^Discard")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Discard this draft?")
    page.get_by_role("button", name="Yes, discard this draft").click()
    expect(page.get_by_role("status")).to_contain_text("The draft is discarded.")
    expect(page.get_by_role("main")).not_to_contain_text("Just an idea for now.")
