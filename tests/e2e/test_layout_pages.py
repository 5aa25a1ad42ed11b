"""Every page type, for visitors, members, moderators and admins, in every colour theme, at two sizes:

* a 1280 x 800 desktop window at standard text size;
* a 390 x 844 phone with the largest text (200%): the forum's own "Largest (200%)" text size, chosen
  through the reading cookie, which sets `html { font-size: 200% }` (themes.css). Everything in the CSS is
  rem or em, so this doubles all text in CSS pixels, as a phone's text-size setting does; media queries
  still see a 390 px screen. (This is text-only zoom. Full-page zoom to 200% on that phone would be a
  195 px window; its layout is nearly the same because all sizes are rem, and reflow at 320 px and
  zoom at 640 px are checked by test_layout.py.)

On each page a member would notice, and the test checks:

* a word in a table heading or cell, or in a page heading (h1-h3), split over two lines ("Thr/ead/s")
  when it would fit on a line of its own (a string longer than the whole text column, such as a 30
  character user name at 200% on a phone, may still wrap; so may a hyphenated word at its hyphen);
* sideways scrolling of the whole page;
* the page's heading (main h1) starting below the first half of the screen (a header that fills the
  first screen before any content);
* a field (input, select, textarea) without a label that can be seen (a rendered <label>, or
  aria-labelledby to visible text; a placeholder or a screen-reader-only label does not count);
* a field sticking out of its box, or a drop-down cutting off its chosen option when the text column
  is wide enough to show it; a header link, button or field smaller than 44 x 44 px;
* serious or critical axe-core findings.

Themes: light, dark, contrast and contrast-dark. "auto" (the default) is light or dark as the device
says, the same rules. One browser, one context per role; themes and text size switch by cookie.
With LAYOUT_SCREENSHOTS=DIR each page is saved per theme and size.
"""
from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import pytest

from tests.e2e.conftest import PASSWORD, format_violations, run_axe
from tests.e2e.test_layout import MIN_TARGET

THEMES = ["light", "dark", "contrast", "contrast-dark"]
SIZES = {
    "1280px": {"viewport": {"width": 1280, "height": 800}, "text": 100},
    "390px-200text": {"viewport": {"width": 390, "height": 844}, "text": 200},
}
BLOCKING = {"serious", "critical"}

MEMBER, MODERATOR, ADMIN, AUTHOR = "lay_member", "lay_mod_maria", "lay_admin", "Sunrise_clinic_fan"

# --------------------------------------------------------------------------- seed


def _seed(site) -> dict:
    """Members of each role (of this file's own, so no other test's saved preferences apply) and enough
    moderation history for every moderation page to show its tables: a flagged post in the queue, a hidden
    post with an appeal, a report, a suspension, a known claim and provider; a draft and notifications."""
    from sqlalchemy import select

    from forum.accounts import service as accounts
    from forum.boards import service as boards
    from forum.comfort import drafts
    from forum.comfort.drafts import Target
    from forum.extensions import db
    from forum.models import Category
    from moderation import actions, appeals, known
    from moderation.models import Report
    from tests.helpers import score_pending
    from tests.moderation.factories import flag

    with site.app.app_context():
        member = accounts.register(MEMBER, "lay.member@example.org", PASSWORD)
        mod = accounts.register(MODERATOR, "lay.mod@example.org", PASSWORD, role="moderator")
        admin = accounts.register(ADMIN, "lay.admin@example.org", PASSWORD, role="admin")
        author = accounts.register(AUTHOR, "lay.author@example.org", PASSWORD)
        category = db.session.scalar(select(Category).where(Category.slug == site.ids["category_slug"]))
        thread = boards.create_thread(member, category, "Stem cell clinics abroad: has anyone been?",
                                      "My neurologist says aHSCT is only done in trials here. Has anyone looked abroad?")
        promo = boards.create_reply(author, thread, "Go to the Sunrise clinic in Cancun. Their stem cells cure MS "
                                    "for good. Ask for Dr Lee, call +52 998 000 0000.")
        hidden = boards.create_reply(author, thread, "Stop your DMT, the Sunrise protocol works better than any drug.")
        boards.create_reply(member, thread, f"Please be careful, @{AUTHOR}: that is not an approved treatment.")
        score_pending()
        flag(promo, "clinic_promotion", 0.93)
        flag(hidden, "misinformation", 0.88, sentences=[
            {"text": "Stop your DMT, the Sunrise protocol works better than any drug.", "scores": {"misinformation": 0.88}}])
        db.session.add(Report(post_id=promo.id, reporter_id=member.id, reason="clinic_promotion",
                              note="Advertising a clinic", created_at=promo.created_at))
        db.session.commit()
        actions.hide(mod, hidden, "misinformation", "Stopping treatment is a decision for you and your neurologist.")
        appeals.submit(author, hidden, "I was only sharing what worked for me.")
        actions.suspend(admin, author, 7, "Clinic promotion after a warning")
        known.add_claim(mod, "Stem cell clinics abroad can cure MS permanently.", "", "https://www.mssociety.org.uk/",
                        "MS Society: stem cell treatment")
        known.add_provider(mod, "Sunrise Stem Cell Clinic", "clinic", "sunrise-stemcells.example", "+52 998", "Cancun")
        drafts.save(member, Target.category(category.id), "Cooling vests", "Which one lasts longest?")
        ids = {"promo_post": promo.id, "author_id": author.id, "member_id": member.id,
               "category_slug": category.slug}
        db.session.remove()
    return ids


def page_types(base: dict, ids: dict) -> dict[str, tuple[str, str | None]]:
    """name -> (path, role), for every page type; base: the e2e forum's ids, ids: this file's seed."""
    thread = f"/t/{base['thread_id']}-{base['thread_slug']}"
    return {
        "front page": ("/", None),
        "latest": ("/latest", MEMBER),
        "category": (f"/c/{base['category_slug']}", None),
        "thread": (thread, None),
        "thread (member)": (thread, MEMBER),
        "new thread": (f"/c/{base['category_slug']}/new", MEMBER),
        "search results": ("/search?q=rollator", None),
        "profile": (f"/u/{base['member']}", None),
        "settings": ("/settings", MEMBER),
        "drafts": ("/drafts", MEMBER),
        "notifications": ("/notifications", MEMBER),
        "reading comfort": ("/reading", None),
        "login": ("/login", None),
        "register": ("/register", None),
        "transparency": ("/transparency", None),
        "moderation queue": ("/moderation/queue", MODERATOR),
        "moderation item": (f"/moderation/post/{ids['promo_post']}", MODERATOR),
        "moderation member": (f"/moderation/user/{ids['author_id']}", MODERATOR),
        "dashboard": ("/moderation/dashboard", MODERATOR),
        "audit log": ("/moderation/audit", MODERATOR),
        "claims": ("/moderation/claims", MODERATOR),
        "providers": ("/moderation/providers", MODERATOR),
        "admin users": ("/admin/users", ADMIN),
        "admin user": (f"/admin/users/{ids['author_id']}", ADMIN),
    }


PAGE_NAMES = list(page_types(defaultdict(str), defaultdict(str)))

# --------------------------------------------------------------------------- checks in the page

BROKEN_WORDS = r"""() => {
    // Text column width: a word wider than this cannot fit on a line anywhere, so it may wrap.
    const main = document.querySelector('main');
    const cs = getComputedStyle(main);
    const column = main.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const lines = rects => new Set(rects.filter(r => r.width > 0.5).map(r => Math.round(r.top / 4))).size;
    // inside a 1 px clipped box (a screen-reader-only table head): nobody sees it break
    const unseen = el => { for (; el; el = el.parentElement) {
        const s = getComputedStyle(el);
        if (s.clip === 'rect(0px, 0px, 0px, 0px)' || s.clipPath === 'inset(50%)') return true; } return false; };
    const found = [];
    for (const el of document.querySelectorAll('th, td, h1, h2, h3, caption')) {
        if (!el.checkVisibility({contentVisibilityAuto: true}) || unseen(el)) continue;
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const text = node.textContent;
            // a word: no spaces; a hyphen ends a piece (breaking after a hyphen is ordinary typesetting)
            for (const m of text.matchAll(/[^\s\-\u2010\u2013]+[\-\u2010\u2013]?/g)) {
                if (m[0].length < 2) continue;
                const range = document.createRange();
                range.setStart(node, m.index);
                range.setEnd(node, m.index + m[0].length);
                const rects = [...range.getClientRects()];
                if (lines(rects) < 2) continue;
                const width = rects.reduce((sum, r) => sum + r.width, 0);
                if (width <= column) {
                    const cell = el.closest('th, td, h1, h2, h3, caption');
                    found.push(`"${m[0]}" in <${cell.tagName.toLowerCase()}> "${cell.innerText.trim().slice(0, 50)}"` +
                               ` (${Math.round(width)} px wide, cell ${Math.round(cell.getBoundingClientRect().width)} px)`);
                }
            }
        }
    }
    return found.slice(0, 15);
}"""

PAGE_STATE = r"""() => {
    const root = document.documentElement;
    const wide = [];
    if (root.scrollWidth > root.clientWidth) {
        for (const el of document.body.querySelectorAll('*')) {
            const box = el.getBoundingClientRect();
            if (box.right > root.clientWidth + 1 && box.width > 0) wide.push(
                `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${String(el.className).trim().replace(/\s+/g, '.')} to ${Math.round(box.right)} px`);
        }
    }
    const h1 = document.querySelector('main h1');
    const shown = el => el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true});
    const visible = el => {
        const box = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        // 1 x 1 px clipped boxes are the screen-reader-only pattern: not something a reader sees
        return shown(el) && box.width > 2 && box.height > 2 && style.clip !== 'rect(0px, 0px, 0px, 0px)'
               && style.clipPath !== 'inset(50%)' && el.innerText.trim().length > 0;
    };
    const unlabelled = [];
    for (const el of document.querySelectorAll('input, select, textarea')) {
        if (['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type)) continue;
        if (!shown(el)) continue;  // not rendered (e.g. inside the closed Menu)
        const labels = [...(el.labels || [])];
        const by = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
                   .map(id => document.getElementById(id)).filter(Boolean);
        if (!labels.some(visible) && !by.some(visible)) unlabelled.push(
            `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}[name=${el.name}]` +
            (labels.length ? ` (its label "${labels[0].textContent.trim().slice(0, 40)}" cannot be seen)` : ' (no label)'));
    }
    // A field that sticks out of its box, or a drop-down that cuts off its chosen option although the
    // text column is wide enough to show it whole.
    const main = document.querySelector('main');
    const column = main.clientWidth - parseFloat(getComputedStyle(main).paddingLeft) - parseFloat(getComputedStyle(main).paddingRight);
    const cramped = [];
    for (const el of document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')) {
        if (!shown(el)) continue;
        const box = el.getBoundingClientRect(), parent = el.parentElement.getBoundingClientRect();
        const name = `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`;
        if (box.right > parent.right + 1 || box.left < parent.left - 1)
            cramped.push(`${name} (${Math.round(box.width)} px) sticks out of its ${Math.round(parent.width)} px box`);
        if (el.tagName === 'SELECT' && el.selectedOptions.length) {
            // the width the browser gives this drop-down when it holds only the chosen option
            const probe = el.cloneNode(false);
            probe.append(el.selectedOptions[0].cloneNode(true));
            probe.removeAttribute('id');
            probe.style.cssText = 'position:absolute; visibility:hidden; width:auto; min-width:0; max-width:none; flex:none';
            el.parentElement.append(probe);
            const needed = probe.getBoundingClientRect().width;
            probe.remove();
            if (needed > box.width + 1 && needed <= column)
                cramped.push(`${name} shows "${el.selectedOptions[0].text}" in ${Math.round(box.width)} px; it needs ${Math.round(needed)} px`);
        }
    }
    return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide: wide.slice(0, 8), cramped,
            h1Top: h1 ? Math.round(h1.getBoundingClientRect().top + scrollY) : null,
            h1Text: h1 ? h1.innerText.trim().slice(0, 60) : null, height: innerHeight, unlabelled};
}"""


# The header's links, Menu button and search, open or folded: each at least 44 x 44 px where shown.
HEADER_TARGETS = r"""(min) => {
    const small = [];
    for (const el of document.querySelectorAll('.site-header :is(a[href], button, input, summary)')) {
        if (!el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true})) continue;
        const box = el.getBoundingClientRect();
        if (box.width < min || box.height < min)
            small.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.name).trim().slice(0, 30)}" is ${Math.round(box.width)} x ${Math.round(box.height)} px`);
    }
    return small;
}"""


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def layout_site(site):
    return site, _seed(site)


@pytest.fixture(scope="module")
def role_pages(browser, layout_site):
    """One page per role (None: a visitor), each in its own context, logged in through the form once."""
    site, _ = layout_site
    contexts, pages = [], {}

    def page_for(role):
        if role not in pages:
            context = browser.new_context(viewport=SIZES["1280px"]["viewport"])
            context.set_default_timeout(15_000)
            contexts.append(context)
            page = context.new_page()
            if role:
                page.goto(site("/login"))
                page.get_by_label("Username or email").fill(role)
                page.get_by_label("Password", exact=True).fill(PASSWORD)
                page.get_by_role("main").get_by_role("button", name="Log in").click()
                page.wait_for_url(lambda url: "/login" not in url)
            pages[role] = page
        return pages[role]

    yield page_for
    for context in contexts:
        context.close()


def _screenshot(page, name: str, theme: str, size: str) -> None:
    folder = os.environ.get("LAYOUT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"\W+", "-", name).strip("-")
        page.screenshot(path=str(Path(folder) / f"{slug}-{theme}-{size}.png"), full_page=True)


def _problems(page, name: str) -> list[str]:
    problems = []
    state = page.evaluate(PAGE_STATE)
    if state["scrollWidth"] > state["clientWidth"]:
        problems.append(f"the page scrolls sideways ({state['scrollWidth']} px of content in {state['clientWidth']} px): "
                        f"{state['wide']}")
    if state["h1Top"] is None:
        problems.append("no h1 in main")
    elif state["h1Top"] > state["height"] / 2:
        problems.append(f"the heading \"{state['h1Text']}\" starts {state['h1Top']} px down, below the first half of "
                        f"the {state['height']} px screen")
    if state["cramped"]:
        problems.append(f"fields that do not fit: {state['cramped']}")
    if state["unlabelled"]:
        problems.append(f"fields without a visible label: {state['unlabelled']}")
    small = page.evaluate(HEADER_TARGETS, MIN_TARGET)
    if small:
        problems.append(f"header targets smaller than {MIN_TARGET} x {MIN_TARGET} px: {small}")
    broken = page.evaluate(BROKEN_WORDS)
    if broken:
        problems.append("words split over two lines: " + "; ".join(broken))
    blocking = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    if blocking:
        problems.append("axe-core: " + format_violations(blocking))
    return problems


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_layout_in_every_theme_and_size(role_pages, layout_site, name):
    site, ids = layout_site
    path, role = page_types(site.ids, ids)[name]
    page = role_pages(role)
    failures = []
    for size, spec in SIZES.items():
        page.set_viewport_size(spec["viewport"])
        for theme in THEMES:
            page.context.add_cookies([{"name": "reading", "value": f"size={spec['text']}|theme={theme}", "url": site.url}])
            response = page.goto(site(path))
            assert response.status == 200, f"{name}: {path} answered {response.status}"
            assert page.evaluate("document.documentElement.dataset.theme") == theme
            _screenshot(page, name, theme, size)
            failures += [f"[{size}, {theme}] {p}" for p in _problems(page, name)]
    assert not failures, f"the {name} page ({path}, as {role or 'a visitor'}):\n  " + "\n  ".join(failures)


def test_phone_menu_opens_without_javascript_and_keeps_every_link(browser, layout_site):
    """At 390 px with 200% text the header folds into "Menu": with JavaScript off it opens by keyboard,
    every link the wide header shows is there and at least 44 px, and the skip link still comes first."""
    site, _ = layout_site
    wide = browser.new_context(viewport=SIZES["1280px"]["viewport"])
    phone = browser.new_context(viewport=SIZES["390px-200text"]["viewport"], java_script_enabled=False)
    try:
        page = wide.new_page()
        page.goto(site("/"))
        wide_links = page.get_by_role("navigation", name="Main").get_by_role("link").all_inner_texts()
        assert not page.get_by_text("Menu", exact=True).is_visible(), "the wide header shows a Menu button"
        phone.add_cookies([{"name": "reading", "value": "size=200", "url": site.url}])
        page = phone.new_page()
        page.goto(site("/"))
        nav = page.get_by_role("navigation", name="Main")
        assert not nav.get_by_role("link", name="Latest").is_visible(), "the phone header shows its links before Menu is opened"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        page.keyboard.press("Tab")  # the forum's name
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.innerText.trim()").endswith("Menu")
        page.keyboard.press("Enter")
        links = nav.get_by_role("link")
        assert links.all_inner_texts() == wide_links
        for link in links.all():
            box = link.bounding_box()
            assert link.is_visible() and box["height"] >= 44 and box["width"] >= 44, (link.inner_text(), box)
        assert page.get_by_role("searchbox", name="Search the forum").is_visible()
        state = page.evaluate(PAGE_STATE)
        assert state["scrollWidth"] <= state["clientWidth"], f"the open Menu pushes the page sideways: {state['wide']}"
    finally:
        wide.close()
        phone.close()
