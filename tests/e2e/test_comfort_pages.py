"""The comfort pages, and every page type in every theme: axe-core, no sideways scrolling, 44 px targets.

The foundation's tests (test_accessibility.py, test_layout.py) check every page type in the default
theme; here the comfort pages get the same checks, then every page type is checked again in each
other theme (axe-core: 0 serious or critical), each time with bigger text and another font, on a phone
or a zoomed window (no sideways scrolling).
"""
from __future__ import annotations

import pytest

from tests.e2e.comfort_seed import COMFORT_PAGE_NAMES, comfort_page_types, set_reading_cookie
from tests.e2e.conftest import PAGE_NAMES, format_violations, page_types, run_axe
from tests.e2e.test_accessibility import BLOCKING, HOUSE_RULES
from tests.e2e.test_layout import MIN_TARGET, OVERFLOW, PHONE, SMALL_TARGETS, ZOOM_200



@pytest.fixture()
def comfort_visit(open_page, site):
    def go(name: str, **options):
        path, who = comfort_page_types(site)[name]
        page = open_page(who, **options)
        response = page.goto(site(path))
        assert response.status == 200, f"{name}: {path} answered {response.status}"
        return page

    return go


def _blocking(page) -> list[dict]:
    return [v for v in run_axe(page) if v["impact"] in BLOCKING or v["id"] in HOUSE_RULES]


def _fits(page) -> dict | None:
    state = page.evaluate(OVERFLOW)
    return None if state["scrollWidth"] <= state["innerWidth"] else state


@pytest.mark.parametrize("name", COMFORT_PAGE_NAMES)
def test_comfort_page_passes_axe_fits_small_screens_and_has_big_targets(comfort_visit, name):
    page = comfort_visit(name, viewport=PHONE)
    small = page.evaluate(SMALL_TARGETS, MIN_TARGET)
    assert not small, f"targets smaller than {MIN_TARGET} px on the {name} page:\n  " + "\n  ".join(small)
    assert _fits(page) is None, f"the {name} page scrolls sideways at 360 px: {_fits(page)}"
    page.set_viewport_size(ZOOM_200)
    page.reload()
    assert _fits(page) is None, f"the {name} page scrolls sideways at 200% zoom: {_fits(page)}"
    page.set_viewport_size({"width": 1280, "height": 800})
    blocking = _blocking(page)
    assert not blocking, f"axe-core on the {name} page:\n" + format_violations(blocking)
    assert not [t for t in page.console_errors if "Content Security Policy" in t]


def _every_page(site) -> dict[str, tuple[str, str | None]]:
    pages = dict(page_types(site.ids))
    pages.update(comfort_page_types(site))
    return pages


def _walk(open_page, site, cookie: str, check, **options) -> list[str]:
    """Visit every page type (one browser context per member) with the reading cookie; collect problems."""
    contexts: dict[str | None, object] = {}
    problems = []
    for name, (path, who) in _every_page(site).items():
        if who not in contexts:
            contexts[who] = open_page(who, **options)
            set_reading_cookie(contexts[who], site, cookie)
        page = contexts[who]
        response = page.goto(site(path))
        expected = 404 if name.startswith("error") else 200
        assert response.status == expected, f"{name}: {path} answered {response.status}"
        problem = check(page, name)
        if problem:
            problems.append(problem)
    return problems


# Each walk shows every page type in one theme, and at the same time in one of the hard layouts, so the
# whole matrix stays affordable: dark with the largest text in the widest font on a phone, high contrast
# at 1280 px, high-contrast dark at 150% text in a 200%-zoomed window.
WALKS = {
    "dark": ("theme=dark|size=200|font=dyslexic|line=loose", PHONE, "32px"),
    "contrast": ("theme=contrast|font=hyperlegible", {"width": 1280, "height": 800}, "16px"),
    "contrast-dark": ("theme=contrast-dark|size=150|font=plain|line=relaxed", ZOOM_200, "24px"),
}


@pytest.mark.parametrize("theme", list(WALKS))
def test_every_page_type_in_every_theme_has_no_serious_axe_problems_and_fits(open_page, site, theme):
    cookie, viewport, font_size = WALKS[theme]

    def check(page, name):
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == font_size
        problems = []
        state = _fits(page)
        if state:
            problems.append(f"scrolls sideways: {state['scrollWidth']} px in {state['innerWidth']} px; too wide: {state['wide']}")
        blocking = _blocking(page)
        if blocking:
            problems.append(format_violations(blocking))
        return f"--- {name} ---\n" + "\n".join(problems) if problems else None

    problems = _walk(open_page, site, cookie, check, viewport=viewport)
    assert not problems, f"in the {theme} theme ({cookie}, {viewport['width']} px wide):\n" + "\n".join(problems)


def test_follow_my_device_gives_the_dark_theme_on_a_dark_device(open_page, site):
    page = open_page(color_scheme="dark")
    page.goto(site("/"))
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(21, 23, 26)", background
    blocking = _blocking(page)
    assert not blocking, format_violations(blocking)
    page = open_page(color_scheme="light")
    page.goto(site("/"))
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
