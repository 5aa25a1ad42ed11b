"""Reading comfort in a real browser: text size and theme persist, shortcuts, the summary, read later."""
from __future__ import annotations

import re

import pytest

from tests.e2e.comfort_seed import LONG_TITLE, comfort_ids, log_in, set_reading_cookie

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

LOOK = """() => ({size: getComputedStyle(document.documentElement).fontSize,
                 background: getComputedStyle(document.body).backgroundColor,
                 font: getComputedStyle(document.body).fontFamily})"""


def choose(page, name: str) -> None:
    page.get_by_role("radio", name=re.compile("^" + re.escape(name))).check()


def test_a_visitors_text_size_and_theme_persist_across_pages_and_tabs(open_page, site):
    page = open_page()
    page.goto(site("/"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Text size & colours").click()
    choose(page, "Largest (200%)")
    choose(page, "Dark")
    choose(page, "Atkinson Hyperlegible")
    page.get_by_role("button", name="Save reading preferences").click()
    expect(page.get_by_role("status")).to_contain_text("saved on this device")
    look = page.evaluate(LOOK)
    assert look["size"] == "32px" and look["background"] == "rgb(21, 23, 26)", look
    assert look["font"].startswith('"Atkinson Hyperlegible"'), look
    assert page.evaluate("document.fonts.check('16px \"Atkinson Hyperlegible\"')")  # served by the forum itself
    expect(page.get_by_role("radio", name=re.compile("^Dark"))).to_be_checked()
    page.get_by_role("link", name="Latest").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Latest threads")
    assert page.evaluate(LOOK) == look
    other_tab = page.context.new_page()
    other_tab.goto(site(f"/t/{site.ids['thread_id']}"))
    assert other_tab.evaluate(LOOK) == look


def test_a_members_choices_follow_them_to_another_device(open_page, site):
    comfort_ids(site)
    phone = open_page()
    log_in(phone, site, "dan_e2e")
    phone.goto(site("/reading"))
    expect(phone.get_by_role("main")).to_contain_text("saved with your account")
    choose(phone, "Large (150%)")
    choose(phone, "High contrast: black on white")
    choose(phone, "Relaxed")
    phone.get_by_role("button", name="Save reading preferences").click()
    expect(phone.get_by_role("status")).to_contain_text("for your account")
    laptop = open_page()
    laptop.goto(site("/"))
    assert laptop.evaluate(LOOK)["size"] == "16px"
    log_in(laptop, site, "dan_e2e")
    look = laptop.evaluate(LOOK)
    assert look["size"] == "24px" and look["background"] == "rgb(255, 255, 255)", look
    assert laptop.evaluate("document.documentElement.dataset.theme") == "contrast"
    assert laptop.evaluate("getComputedStyle(document.body).lineHeight") == f"{1.9 * 1.125 * 24:.1f}px".replace(".0px", "px")
    laptop.goto(site("/reading"))
    laptop.get_by_role("button", name="Back to the standard look").click()
    expect(laptop.get_by_role("status")).to_contain_text("saved")
    assert laptop.evaluate(LOOK)["size"] == "16px"


def test_shortcuts_move_between_posts_and_never_fire_while_typing(open_page, site):
    ids = comfort_ids(site)
    page = open_page("member")
    page.goto(site(f"/t/{ids['long_thread_id']}-{ids['long_thread_slug']}"))
    expect(page.get_by_text("Keyboard: j and k move")).to_be_visible()
    articles = page.locator("article.post")
    focused = "document.activeElement.id"
    page.keyboard.press("j")
    assert page.evaluate(focused) == articles.nth(0).get_attribute("id")
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate(focused) == articles.nth(2).get_attribute("id")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("k")
    assert page.evaluate(focused) == articles.nth(1).get_attribute("id")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.name") == "body"
    page.keyboard.type("jk?r")  # typed into the reply box, not taken as shortcuts
    expect(page.get_by_label("Your reply")).to_have_value("jk?r")
    assert "/keyboard" not in page.url
    page.get_by_label("Your reply").fill("")
    page.keyboard.press("Shift+Tab")  # leave the field: now ? opens the help page
    page.keyboard.press("?")
    expect(page.get_by_role("heading", level=1)).to_have_text("Keyboard shortcuts")

    set_reading_cookie(page, site, "keys=off")
    page.goto(site(f"/t/{ids['long_thread_id']}"))
    expect(page.get_by_text("Keyboard: j and k move")).to_be_hidden()
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.tagName") == "BODY"


def test_summary_and_read_later(open_page, site):
    ids = comfort_ids(site)
    page = open_page("other")
    page.goto(site(f"/t/{ids['long_thread_id']}-{ids['long_thread_slug']}"))
    page.get_by_role("button", name="Read later", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("is on your read-later list")
    expect(page.get_by_role("button", name="Read later ✓")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("contentinfo").get_by_role("link", name="Read later").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Read later")
    page.get_by_role("link", name=f"Summary of “{LONG_TITLE}”").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Summary: {LONG_TITLE}")
    reasons = page.get_by_role("heading", level=2).all_inner_texts()
    assert reasons == ["The first post", "Marked helpful by 2 members", "Has a moderator's context note",
                       "Marked helpful by 1 member"], reasons
    expect(page.locator("article.post")).to_have_count(4)
    expect(page.get_by_role("main")).to_contain_text("Uhthoff")
    page.get_by_role("contentinfo").get_by_role("link", name="Read later").click()
    page.get_by_role("button", name=f"Remove “{LONG_TITLE}” from the list").click()
    expect(page.get_by_role("main")).to_contain_text("Your read-later list is empty")
