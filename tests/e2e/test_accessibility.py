"""axe-core on every page type, and the keyboard: skip link first, focus always visible."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import PAGE_NAMES, format_violations, run_axe

BLOCKING = {"serious", "critical"}
# House rules axe rates only "moderate": headings in order, one h1, everything inside landmarks.
HOUSE_RULES = {"heading-order", "page-has-heading-one", "empty-heading", "landmark-one-main", "region"}


def _check(page, name: str) -> None:
    violations = run_axe(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING or v["id"] in HOUSE_RULES]
    assert not blocking, f"axe-core found serious or critical problems on the {name} page:\n" + format_violations(blocking)
    csp = [text for text in page.console_errors if "Content Security Policy" in text]
    assert not csp, f"the {name} page breaks its own Content-Security-Policy: {csp}"
    inline = page.evaluate("""() => [...document.querySelectorAll('script:not([src]), [style]'),
        ...[...document.querySelectorAll('*')].filter(el => [...el.attributes].some(a => a.name.startsWith('on')))]
        .map(el => el.outerHTML.slice(0, 120))""")
    assert not inline, f"the {name} page has inline script, style or event handlers that its CSP blocks: {inline}"


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_axe_finds_no_serious_problems(visit, name):
    _check(visit(name), name)


@pytest.mark.parametrize("name", ["thread (member)", "categories", "settings"])
def test_axe_finds_no_serious_problems_on_a_phone(visit, name):
    """At 360 px the layout changes (tables stack or scroll inside the post): check it again."""
    _check(visit(name, viewport={"width": 360, "height": 740}), name + " at 360 px")


def test_axe_on_a_form_with_errors(open_page, site):
    """The error summary and the invalid fields are checked too: submit an empty registration."""
    page = open_page()
    page.goto(site("/register"))
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_role("alert").is_visible()
    _check(page, "register (with errors)")


def _focus_state(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        return {tag: el.tagName.toLowerCase(), id: el.id, cls: el.className, text: (el.innerText || el.value || '').trim().slice(0, 40),
                outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
                visible: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
                         && box.top < innerHeight && box.left < innerWidth};
    }""")


@pytest.mark.parametrize("name", ["thread (member)", "login"])
def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(visit, name):
    page = visit(name)
    page.keyboard.press("Tab")
    first = _focus_state(page)
    assert "skip-link" in first["cls"], f"the first Tab stop is {first}, not the skip link"
    assert first["visible"], "the skip link stays off screen when it has focus"
    assert first["outlineStyle"] != "none" and first["outlineWidth"] >= 2, first
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    inside = page.evaluate("document.getElementById('main').contains(document.activeElement)")
    assert inside, f"after the skip link, Tab goes to {_focus_state(page)} instead of into the main content"


@pytest.mark.parametrize("name", ["thread (member)", "register", "notifications", "categories"])
def test_every_focused_control_shows_a_visible_outline(visit, name):
    page = visit(name)
    seen = []
    for _ in range(60):
        page.keyboard.press("Tab")
        state = _focus_state(page)
        if state["tag"] == "body" or (seen and state == seen[0]):
            break  # wrapped round
        seen.append(state)
        assert state["outlineStyle"] != "none" and state["outlineWidth"] >= 2, (
            f"on the {name} page, Tab stop {len(seen)} ({state['tag']} {state['text']!r}) has no visible focus outline: {state}")
        assert state["visible"], f"on the {name} page, Tab stop {len(seen)} is off screen: {state}"
    assert len(seen) >= 5, f"only {len(seen)} Tab stops on the {name} page"
