"""Keyboard only: register -> start a thread -> another member replies -> notifications, no mouse at all.

Every step finds its control by pressing Tab (never by clicking), checks the focus ring is visible
there, and acts with Enter or by typing.
"""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

FOCUSED = """() => {
    const el = document.activeElement;
    const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
    const style = getComputedStyle(el);
    return {name: (el.getAttribute('aria-label') || label || el.innerText || el.value || '').replace(/\\s+/g, ' ').trim(),
            tag: el.tagName.toLowerCase(), outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""


def tab_to(page, name: str | re.Pattern, limit: int = 80, backwards: bool = False) -> dict:
    """Press Tab until the focused control's name matches; fail with the names passed on the way."""
    pattern = name if isinstance(name, re.Pattern) else re.compile("^" + re.escape(name) + "$")
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        state = page.evaluate(FOCUSED)
        if pattern.search(state["name"]):
            assert state["outline"] != "none" and state["width"] >= 2, f"no visible focus ring on {state}"
            return state
        seen.append(state["name"][:30])
    raise AssertionError(f"Tab never reached {pattern.pattern!r}; passed {seen}")


def type_into(page, label: str, text: str) -> None:
    tab_to(page, label)
    page.keyboard.type(text)


def test_keyboard_only_register_post_reply_notifications(open_page, site):
    kim, ben = open_page(), open_page("other")
    kim.goto(site("/"))

    # Register
    tab_to(kim, "Register")
    kim.keyboard.press("Enter")
    expect(kim.get_by_role("heading", level=1)).to_have_text("Create an account")
    type_into(kim, "Username (your public pseudonym)", "kim_keys")
    type_into(kim, "Email", "kim@example.org")
    tab_to(kim, "Create account")
    kim.keyboard.press("Enter")
    expect(kim.get_by_role("heading", level=1)).to_have_text("Check your email")
    kim.goto(site.mail_link("kim@example.org", "/register/"))
    type_into(kim, "Password", PASSWORD)
    type_into(kim, "Repeat password", PASSWORD)
    tab_to(kim, "Create account")
    kim.keyboard.press("Enter")
    expect(kim.get_by_role("status")).to_contain_text("Welcome, kim_keys!")

    # Start a thread
    tab_to(kim, "Symptoms & daily life")
    kim.keyboard.press("Enter")
    expect(kim.get_by_role("heading", level=1)).to_have_text("Symptoms & daily life")
    tab_to(kim, "Start a new thread")
    kim.keyboard.press("Enter")
    expect(kim.get_by_role("heading", level=1)).to_have_text("New thread in Symptoms & daily life")
    type_into(kim, "Title", "Typing with numb fingers")
    type_into(kim, "Your post", "Which keyboards or dictation tools work for you?")
    tab_to(kim, "Post thread")
    kim.keyboard.press("Enter")
    expect(kim.get_by_role("heading", level=1)).to_have_text("Typing with numb fingers")
    thread_url = kim.url

    # Another member replies: "r" jumps to the reply box, Tab reaches the button
    ben.goto(thread_url)
    ben.keyboard.press("r")
    ben.keyboard.type("Dictation on my phone saves my hands, @kim_keys.")
    tab_to(ben, "Post reply")
    ben.keyboard.press("Enter")
    expect(ben.locator("article.post").last).to_contain_text("Dictation on my phone")
    site.run_worker()

    # Notifications: the count in the header, then the notification itself
    kim.goto(site("/"))  # typed into the address bar
    tab_to(kim, re.compile(r"^Notifications\W+\d+ unread$"))
    kim.keyboard.press("Enter")
    expect(kim.get_by_role("heading", level=1)).to_have_text("Notifications")
    tab_to(kim, re.compile(r"^Unread ben_e2e (mentioned you in|replied to) “Typing with numb fingers”$"))
    kim.keyboard.press("Enter")
    expect(kim.locator("article.post:target")).to_contain_text("Dictation on my phone")
