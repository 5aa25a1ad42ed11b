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
