"""Every page type at 360 px wide and at 200% zoom: no sideways scrolling, and targets big enough for a tremor."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.e2e.conftest import PAGE_NAMES

PHONE = {"width": 360, "height": 740}
# 200% zoom of a 1280 x 800 window: the page gets half as many CSS pixels each way.
ZOOM_200 = {"width": 640, "height": 400}
MIN_TARGET = 44

OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const wide = [];
    for (const el of document.body.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.right > width + 1 && box.width > 0) {
            let clipped = false;  // inside a box that scrolls or clips on its own (a code block)
            for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
                if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) { clipped = true; break; }
            }
            if (!clipped) wide.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\\s+/g, '.') : ''} right edge at ${Math.round(box.right)}px`);
        }
    }
    return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, wide: wide.slice(0, 10)};
}"""

# WCAG 2.5.5: 44 x 44 CSS px, except links inside a sentence (their size is set by the line of text).
SMALL_TARGETS = """(min) => {
    const small = [];
    const hidden = el => { const s = getComputedStyle(el); return s.visibility === 'hidden' || s.display === 'none'; };
    const inSentence = el => {
        if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
        let block = el.parentElement;
        while (block && getComputedStyle(block).display.startsWith('inline')) block = block.parentElement;
        // the text on the link's own lines: text nodes and inline elements beside it, not other blocks or links
        let rest = '';
        for (const node of block.childNodes) {
            if (node.nodeType === Node.TEXT_NODE) rest += node.textContent;
            else if (node.nodeType === Node.ELEMENT_NODE && !node.matches('a, button')
                     && getComputedStyle(node).display.startsWith('inline') && !node.querySelector('a')) rest += node.textContent;
        }
        return /[A-Za-z0-9]/.test(rest);
    };
    for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
        if (hidden(el) || el.classList.contains('skip-link')) continue;
        let target = el;
        if (el.type === 'checkbox' || el.type === 'radio') target = el.closest('label') || el;
        const box = target.getBoundingClientRect();
        if (box.width === 0 && box.height === 0) continue;
        if ((box.width < min || box.height < min) && !inSentence(el)) {
            small.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.value || el.name || '').trim().slice(0, 40)}" ` +
                       `is ${Math.round(box.width)} x ${Math.round(box.height)} px (in ${el.parentElement.tagName.toLowerCase()}.${el.parentElement.className})`);
        }
    }
    return small;
}"""


def _screenshot(page, name: str, label: str) -> None:
    """With E2E_SCREENSHOTS=DIR, keep a full-page screenshot of each page type to look at."""
    folder = os.environ.get("E2E_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"\W+", "-", name).strip("-")
        page.screenshot(path=str(Path(folder) / f"{slug}-{label}.png"), full_page=True)


def _assert_fits(page, name: str, label: str) -> None:
    state = page.evaluate(OVERFLOW)
    assert state["scrollWidth"] <= state["innerWidth"], (
        f"the {name} page scrolls sideways {label}: {state['scrollWidth']} px of content in a {state['innerWidth']} px window;"
        f" too wide: {state['wide']}")


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_fits_360px_and_200_percent_zoom(visit, name):
    page = visit(name, viewport=PHONE)
    _screenshot(page, name, "360px")
    _assert_fits(page, name, "at 360 px wide")
    page.set_viewport_size(ZOOM_200)
    page.reload()
    _screenshot(page, name, "zoom200")
    _assert_fits(page, name, "at 200% zoom")
    if os.environ.get("E2E_SCREENSHOTS"):
        page.set_viewport_size({"width": 1280, "height": 800})
        _screenshot(page, name, "1280px")


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_targets_are_at_least_44px(visit, name):
    page = visit(name, viewport=PHONE)
    small = page.evaluate(SMALL_TARGETS, MIN_TARGET)
    assert not small, f"targets smaller than {MIN_TARGET} x {MIN_TARGET} px on the {name} page:\n  " + "\n  ".join(small)
