"""A volunteer triages the queue from the queue page alone, on a phone (390 px) and on a desktop."""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import PASSWORD, WIDE_BODY
from tests.e2e.test_layout import MIN_TARGET, OVERFLOW, SMALL_TARGETS

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PROMOTION = ("Our clinic in Cancun offers stem cells for MS. Packages from $14,900 including the hotel. "
             "WhatsApp our coordinator Maria on +52 998 555 0142.")
MISINFORMATION = "A clean diet reverses MS completely. Stop taking your DMTs, they only make you worse."
REASONS = {
    "clinic_promotion": ["model: clinic_promotion 0.99 (threshold 0.50)", "hold: clinic_promotion 0.99 >= hold threshold 0.98",
                         "rule: price mentioned ($14,900)", "rule: messaging-app contact (WhatsApp our coordinator)"],
    "misinformation": ["model: misinformation 0.62 (threshold 0.50)", "rule: cure / reversal wording (reverses)",
                       "rule: tells readers to stop or refuse treatment (Stop taking your DMTs)"],
}
SENTENCES = {"clinic_promotion": "WhatsApp our coordinator Maria on +52 998 555 0142.",
             "misinformation": "A clean diet reverses MS completely."}


def _flagged_post(thread, author, body: str, label: str, score: float) -> int:
    from forum.boards import service as boards
    from tests.moderation.factories import flag

    post = boards.create_reply(author, thread, body)
    flag(post, label, score, reasons=REASONS[label],
         sentences=[{"text": SENTENCES[label], "scores": {label: score}, "labels": [label]}])
    return post.id


@pytest.fixture(scope="module")
def queue_items(site):
    """Per width, a clinic promotion to hide and a misinformation post to keep; and a moderator to log in."""
    from sqlalchemy import select

    from forum.accounts import service as accounts
    from forum.boards import service as boards
    from forum.extensions import db
    from forum.models import Category

    with site.app.app_context():
        accounts.register("volunteer_e2e", "volunteer@example.org", PASSWORD, role="moderator")
        author = accounts.register("sunrise_e2e", "sunrise@example.org", PASSWORD)
        category = db.session.scalar(select(Category).order_by(Category.position).limit(1))
        items = {}
        for width in ("desktop", "phone"):
            thread = boards.create_thread(author, category, f"Stem cells abroad ({width})", "Has anyone been?")
            items[width] = {"hide": _flagged_post(thread, author, PROMOTION, "clinic_promotion", 0.99),
                            "keep": _flagged_post(thread, author, MISINFORMATION, "misinformation", 0.62)}
        thread = boards.create_thread(author, category, "Left for another volunteer", "Has anyone been?")
        items["left"] = _flagged_post(thread, author, PROMOTION + "\n\n" + WIDE_BODY, "clinic_promotion", 0.9)
        from tests.helpers import score_pending

        score_pending()                      # the two first posts, as the worker would: clean
        db.session.remove()
    site.ids["moderator"] = "volunteer_e2e"
    return items


@pytest.mark.parametrize("width,viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_a_volunteer_hides_one_and_keeps_one_from_the_queue_page(open_page, site, queue_items, width, viewport):
    page = open_page("moderator", viewport=viewport)
    page.goto(site("/moderation/queue"))
    hide_id, keep_id = queue_items[width]["hide"], queue_items[width]["keep"]
    promo, misinfo = page.locator(f"#item-{hide_id}"), page.locator(f"#item-{keep_id}")

    assert promo.get_by_text("Very likely clinic or product promotion").is_visible()
    assert promo.get_by_text("gives a price for treatment: $14,900").is_visible()
    assert promo.locator("blockquote.quote mark").inner_text() == SENTENCES["clinic_promotion"]
    assert promo.get_by_role("link", name="sunrise_e2e").first.is_visible()           # the author
    assert promo.get_by_role("link", name=f"Stem cells abroad ({width})", exact=True).is_visible()   # the thread
    assert not promo.get_by_text("threshold 0.50").is_visible()                        # numbers folded away
    assert misinfo.get_by_text("Possible medical misinformation").is_visible()
    small = page.evaluate(SMALL_TARGETS, MIN_TARGET)
    assert not small, "targets under 44 px on the queue:\n  " + "\n  ".join(small)

    promo.get_by_role("button", name=re.compile("^Hide")).click()
    page.wait_for_load_state()
    assert page.locator(".flash").inner_text() == f"Hid post #2 in “Stem cells abroad ({width})” (clinic promotion)."
    assert page.get_by_role("button", name="Undo: show post #2 again").is_visible()
    assert page.locator(f"#item-{hide_id}").count() == 0

    page.locator(f"#item-{keep_id}").get_by_role("button", name=re.compile("^Keep visible")).click()
    page.wait_for_load_state()
    assert page.locator(".flash").inner_text() == f"Kept post #3 in “Stem cells abroad ({width})” visible."
    assert page.get_by_role("button", name=re.compile("^Undo")).count() == 0
    assert page.locator(f"#item-{keep_id}").count() == 0


def test_the_queue_does_not_scroll_sideways_at_390px(open_page, site, queue_items):
    page = open_page("moderator", viewport=PHONE)
    page.goto(site("/moderation/queue"))
    assert page.locator(f"#item-{queue_items['left']}").count() == 1        # a long post with a long link and word
    for details in page.locator("[data-review-item] details").all():
        details.evaluate("d => d.open = true")                      # the scores table and the whole post too
    state = page.evaluate(OVERFLOW)
    assert state["scrollWidth"] <= state["innerWidth"], f"the queue scrolls sideways at 390 px: {state['wide']}"


def test_the_item_page_puts_the_reasons_and_the_decisions_in_the_first_screen(open_page, site, queue_items):
    page = open_page("moderator", viewport=DESKTOP)
    page.goto(site(f"/moderation/post/{queue_items['left']}"))
    why = page.get_by_role("heading", name="Why it is here").bounding_box()
    hide = page.get_by_role("button", name="Hide", exact=True).bounding_box()
    assert why["y"] < DESKTOP["height"] and hide["y"] + hide["height"] < DESKTOP["height"]
    assert not page.get_by_role("button", name="Send the warning").is_visible()      # folded away until asked for
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2600, f"the item page is {height} px tall"


@pytest.mark.parametrize("path", ["/moderation/queue", "/moderation/post/{left}", "/moderation/audit", "/transparency"])
def test_axe_finds_no_serious_problems_on_the_moderation_pages(open_page, site, queue_items, path):
    from tests.e2e.test_accessibility import _check

    page = open_page("moderator", viewport=PHONE)
    page.goto(site(path.format(left=queue_items["left"])))
    for details in page.locator("main details").all():
        details.evaluate("d => d.open = true")
    _check(page, path)
