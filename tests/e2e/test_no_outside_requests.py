"""No page makes a request to any other host: no CDN, web fonts, analytics, outside avatars or embeds.

Every request a page makes goes through a Playwright route; anything not addressed to the forum
itself is recorded and aborted (so a failing run never reaches the internet either). Checked on every
page type of tests/e2e/conftest.py, on every other GET route the app has (found in its url_map, so a
page added later is covered without touching this file), on a post with a picture and a link from
another site, and on the data-export journey (settings -> worker -> notification -> download).
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import PAGE_NAMES, page_types

# Routes that are not pages: files, redirects to files, things that need a row this test does not make.
NOT_PAGES = {"static", "favicon", "privacy.download_export", "privacy.notified_export", "comfort.discard"}


class Watch:
    """Records (and aborts) every request of a browser context that leaves the forum's host."""

    def __init__(self, site_url: str):
        self.origin = urlsplit(site_url)[:2]
        self.outside: list[str] = []
        self.inside = 0

    def __call__(self, route, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about") or parts[:2] == self.origin:
            self.inside += 1
            route.continue_()
        else:
            self.outside.append(f"{request.resource_type} {request.url}")
            route.abort()


def watched_page(open_page, site, who: str | None):
    page = open_page(who)
    page.watch = Watch(site.url)
    page.context.route("**/*", page.watch)
    return page


def visit(page, site, path: str) -> list[str]:
    """Load the page and everything it loads (deferred and lazy too); returns the outside requests."""
    page.watch.outside.clear()
    before = page.watch.inside
    page.goto(site(path), wait_until="load")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_load_state("networkidle")
    assert page.watch.inside > before, f"{path}: the route saw no request at all, so it checked nothing"
    return list(page.watch.outside)


@pytest.fixture(scope="module")
def extra_ids(site) -> dict:
    """A post with a picture and a link from other sites, tokens for the token pages, member ids."""
    from sqlalchemy import select

    from forum.accounts import service as accounts
    from forum.boards import service as boards
    from forum.extensions import db
    from forum.models import Category, User
    from forum.privacy.identity import make_email_token

    with site.app.app_context(), site.app.test_request_context():
        member = db.session.scalar(select(User).where(User.username == site.ids["member"]))
        other = db.session.scalar(select(User).where(User.username == site.ids["other"]))
        category = db.session.scalar(select(Category).order_by(Category.position).limit(1))
        thread = boards.create_thread(
            other, category, "My scan, and a useful page",
            "Here is my MRI: ![MRI scan](https://images.example.com/mri.png)\n\n"
            "And the trust's leaflet: https://www.example.org/ms-leaflet.pdf\n\n"
            "<img src=\"https://tracker.example.net/pixel.gif\"> <iframe src=\"https://video.example.com/embed/1\"></iframe>")
        ids = {
            "member_id": member.id, "picture_thread": thread.id,
            "reset_token": accounts.make_reset_token(member),
            "email_token": make_email_token(member, "ada.new@example.org"),
        }
        db.session.remove()
    return ids


def _path_for(rule, site, extra: dict) -> str | None:
    ids = site.ids
    values = {}
    for arg in rule.arguments:
        if arg == "user_id":
            values[arg] = extra["member_id"]
        elif arg == "post_id":
            values[arg] = ids["first_post_id"]
        elif arg == "thread_id":
            values[arg] = ids["thread_id"]
        elif arg == "slug":
            values[arg] = ids["thread_slug"] if rule.endpoint == "boards.thread" else ids["category_slug"]
        elif arg == "name":
            values[arg] = ids["member"]
        elif arg == "token":
            values[arg] = extra["reset_token"] if rule.endpoint.startswith("accounts.") else extra["email_token"]
        else:
            return None
    return site.app.url_map.bind("127.0.0.1").build(rule.endpoint, values)


def _who(endpoint: str) -> str:
    staff = endpoint.startswith(("admin.", "moderation.")) and endpoint not in (
        "moderation.report", "moderation.appeal", "moderation.transparency")
    return "admin" if staff else "member"


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_types_load_nothing_from_other_hosts(open_page, site, name):
    path, who = page_types(site.ids)[name]
    outside = visit(watched_page(open_page, site, who), site, path)
    assert not outside, f"the {name} page ({path}) asked other hosts for: {outside}"


def test_every_other_page_loads_nothing_from_other_hosts(open_page, site, extra_ids):
    """Every GET route in the app, as a visitor and as the member (an admin for staff pages)."""
    covered = {path for path, _ in page_types(site.ids).values()}
    pages: dict = {}
    problems, visited = [], 0
    for rule in sorted(site.app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        path = _path_for(rule, site, extra_ids)
        if path is None or path in covered:
            continue
        covered.add(path)
        for who in (None, _who(rule.endpoint)):
            if who not in pages:
                pages[who] = watched_page(open_page, site, who)
            outside = visit(pages[who], site, path)
            visited += 1
            if outside:
                problems.append(f"{path} as {who or 'visitor'}: {outside}")
    assert visited >= 20, f"only {visited} pages visited: is the url_map walk broken?"
    assert not problems, "pages asked other hosts for:\n" + "\n".join(problems)


@pytest.mark.parametrize("who", [None, "member", "admin"])
def test_a_post_with_a_picture_from_another_site_shows_a_link_instead(open_page, site, extra_ids, who):
    page = watched_page(open_page, site, who)
    outside = visit(page, site, f"/t/{extra_ids['picture_thread']}")
    assert not outside, f"the thread asked other hosts for: {outside}"
    body = page.locator("article.post .post-body").first
    assert body.locator("img").count() == 0 and body.locator("iframe").count() == 0
    assert body.get_by_role("link", name="Image: MRI scan").get_attribute("href") == "https://images.example.com/mri.png"


def test_the_data_export_journey_stays_on_the_forum(open_page, site):
    from forum.privacy.exports import process_pending_exports

    page = watched_page(open_page, site, "other")
    page.goto(site("/settings"))
    page.get_by_role("button", name="Download my data").click()
    assert "being prepared" in page.get_by_role("status").inner_text()
    with site.app.app_context():
        assert process_pending_exports() >= 1
    page.goto(site("/notifications"))
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your data (ZIP)").first.click()
    assert download.value.suggested_filename.startswith("forum-data-")
    assert page.watch.inside > 3 and not page.watch.outside, f"the export journey asked other hosts for: {page.watch.outside}"


def test_the_watch_would_catch_an_outside_request(open_page, site):
    """The check itself works: a page that does load a picture from elsewhere is caught (and blocked)."""
    page = watched_page(open_page, site, None)
    page.goto(site("/privacy"))
    page.evaluate("""() => { const img = document.createElement('img');
                             img.src = 'https://cdn.example.com/avatar.png'; document.body.append(img); }""")
    page.wait_for_load_state("networkidle")
    assert page.watch.outside in ([], ["image https://cdn.example.com/avatar.png"])
    # the forum's Content-Security-Policy blocks it before any request is made; without the policy the
    # route sees it: prove that on a blank page of our own
    page.goto("about:blank")
    page.set_content('<img src="https://cdn.example.com/avatar.png">')
    page.wait_for_load_state("networkidle")
    assert "image https://cdn.example.com/avatar.png" in page.watch.outside


PRIVACY_PAGES = {
    "privacy": ("/privacy", None),
    "change username": ("/settings/username", "member"),
    "change email": ("/settings/email", "member"),
    "delete account": ("/settings/delete", "member"),
    "admin user": ("/admin/users/{member_id}", "admin"),
}


@pytest.mark.parametrize("name", list(PRIVACY_PAGES))
def test_the_privacy_pages_pass_axe(open_page, site, extra_ids, name):
    """The pages this feature adds meet the same accessibility bar as every page type."""
    from tests.e2e.test_accessibility import _check

    path, who = PRIVACY_PAGES[name]
    page = open_page(who)
    assert page.goto(site(path.format(**extra_ids))).status == 200
    _check(page, name)


def test_the_delete_form_with_errors_passes_axe(open_page, site):
    from tests.e2e.test_accessibility import _check

    page = open_page("member")
    page.goto(site("/settings/delete"))
    page.get_by_role("button", name="Delete my account").click()
    assert page.get_by_role("alert").is_visible()
    _check(page, "delete account (with errors)")
    page.get_by_role("radio", name="Keep them, anonymised", exact=False).check()
    assert page.get_by_label("Password", exact=True).is_visible()
