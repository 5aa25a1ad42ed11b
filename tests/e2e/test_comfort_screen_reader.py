"""What a screen reader gets, read from Chromium's accessibility tree (Playwright's aria snapshot).

Landmarks, the skip link first, headings in order, each post named by its metadata in one pass
("ada_e2e, 3 minutes ago (...), edited"), live regions for the notification count and the draft
status, and form errors tied to their fields with focus moved to the first one.
With E2E_SCREENSHOTS=DIR the snapshots are written there to read.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.e2e.comfort_seed import comfort_ids, comfort_page_types

expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect

HEADINGS = "() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => Number(h.tagName[1]))"


def _keep(name: str, snapshot: str) -> None:
    folder = os.environ.get("E2E_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.aria.yaml").write_text(snapshot, encoding="utf-8")


def test_thread_page_reads_well(open_page, site):
    page = open_page("member")
    page.goto(site(f"/t/{site.ids['thread_id']}-{site.ids['thread_slug']}"))
    tree = page.locator("body").aria_snapshot()
    _keep("thread-member", tree)
    lines = tree.splitlines()
    assert lines[0].startswith('- link "Skip to main content"'), lines[0]
    for landmark in ("- banner:", "- main:", "- contentinfo:", '  - navigation "Footer":'):
        assert sum(1 for line in lines if line == landmark or line.startswith(landmark.rstrip(":") + " ")) == 1, landmark
    # the header's navigation and search sit in the banner, inside its Menu group (a <details>, base.html)
    header = lines[lines.index("- banner:"):lines.index("- main:")]
    for landmark in ('- navigation "Main":', "- search:"):
        assert sum(1 for line in header if line.strip() == landmark) == 1, (landmark, header[:12])
    # each post is an article named by its metadata, in one pass: who, when, edited
    names = re.findall(r'^  - article "(.+)":$', tree, re.M)
    assert len(names) == 3, names
    assert re.fullmatch(r"ada_e2e ?, (just now|\d+ \w+ ago) \(\d\d \w{3} \d{4}, \d\d:\d\d UTC\) ?, edited", names[0]), names[0]
    assert names[1].startswith("ben_e2e") and "edited" not in names[1]
    assert re.search(r'- link "Notifications ?, \d+ unread"', tree)
    assert page.locator("#notification-count").get_attribute("aria-live") == "polite"
    assert page.locator("[data-draft-status]").get_attribute("aria-live") == "polite"
    assert re.search(r'^  - region "Reply":\n    - heading "Reply" \[level=2\]$', tree, re.M)
    assert re.search(r'- textbox "Your reply"', tree) and '- button "Save draft"' in tree


@pytest.mark.parametrize("name", ["summary (member)", "drafts", "read later", "keyboard shortcuts", "reading comfort"])
def test_comfort_pages_have_one_h1_and_headings_in_order(open_page, site, name):
    path, who = comfort_page_types(site)[name]
    page = open_page(who)
    page.goto(site(path))
    levels = page.evaluate(HEADINGS)
    assert levels[0] == 1 and levels.count(1) == 1, levels
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), f"a heading level is skipped on {name}: {levels}"
    tree = page.locator("body").aria_snapshot()
    _keep(name.replace(" ", "-"), tree)
    if name == "reading comfort":
        for group in ("Text size", "Colours", "Font", "Line spacing", "Motion", "Keyboard shortcuts"):
            assert re.search(rf'- group "{group}"', tree), group
        assert '- radio "Largest (200%)"' in tree


def test_form_errors_are_announced_and_tied_to_their_fields(open_page, site):
    comfort_ids(site)
    page = open_page("member")
    page.goto(site(f"/c/{site.ids['category_slug']}/new"))
    page.get_by_role("button", name="Post thread").click()
    expect(page.get_by_role("alert")).to_contain_text("Give your thread a title.")
    expect(page.locator("#title")).to_be_focused()  # the deferred script moves focus once it runs
    focused = page.evaluate("""() => {
        const el = document.activeElement;
        const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
        return {id: el.id, invalid: el.getAttribute('aria-invalid'),
                described: ids.map(id => document.getElementById(id).textContent.trim())};
    }""")
    assert focused["id"] == "title" and focused["invalid"] == "true", focused
    assert "Give your thread a title." in focused["described"], focused
    summary_link = page.get_by_role("alert").get_by_role("link", name=re.compile("^Title"))
    assert summary_link.get_attribute("href") == "#title"
