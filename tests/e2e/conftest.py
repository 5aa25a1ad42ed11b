"""End-to-end fixtures: a real forum server on 127.0.0.1 and Debian's Chromium driven by Playwright.

The server is a dedicated app (its own SQLite file, migrations applied, CSRF on as in production)
served by werkzeug in a background thread. Every test under tests/e2e/ is marked `e2e` by
tests/conftest.py; the whole suite is skipped, with a reason, when /usr/bin/chromium is missing
(`make test` installs it through the Makefile's `browser` target).

Run only these: `.venv/bin/python -m pytest tests/e2e`. To look at the pages, set
E2E_SCREENSHOTS=DIR: test_layout.py then saves every page type at 360 px, 200% zoom and 1280 px.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PASSWORD = "correct horse battery"
DESKTOP = {"width": 1280, "height": 800}


@dataclass
class Site:
    """What the seeded forum holds: enough for every page type."""

    url: str
    app: object
    ids: dict = field(default_factory=dict)

    def __call__(self, path: str) -> str:
        return self.url + path

    def run_worker(self) -> int:
        """What `moderation worker` does next beside the web server: score the pending posts (as clean) so
        their notifications go out. Notifications wait for that since audit finding 11."""
        from tests.helpers import score_pending

        with self.app.app_context():
            return score_pending()

    def mail_link(self, address: str, path_prefix: str) -> str:
        """The link starting with path_prefix in the latest mail the forum wrote to address."""
        import re

        from tests.privacy.conftest import mails_to

        match = re.search(re.escape(self.url + path_prefix) + r"\S+", mails_to(self.app, address)[-1])
        assert match, f"no {path_prefix} link in the mail to {address}"
        return match.group(0)


# --------------------------------------------------------------------------- server

WIDE_BODY = """My physio's list: https://example.org/neurology/physiotherapy/walking-aids/rollators/comparison-of-models-2024-with-prices-and-weights.html

Pneumonoultramicroscopicsilicovolcanoconiosis-and-other-remarkably-long-unbroken-words-happen.

```
settings = {"seat_height_cm": 56, "handle_height_cm": 92, "weight_kg": 6.8, "folds": True, "basket": "removable"}
```

| Model | Weight | Seat | Brakes | Folds | Price | Where |
|-------|--------|------|--------|-------|-------|-------|
| Lightweight carbon rollator | 5.9 kg | 58 cm | loop | sideways | 189 GBP | mobility shop |
| Standard steel rollator | 8.4 kg | 55 cm | push-down | forwards | 79 GBP | pharmacy |
"""


def _seed(app) -> dict:
    """Demo categories and members, plus three members with passwords and a thread with history."""
    from forum.accounts import service as accounts
    from forum.boards import service as boards
    from forum.demo import load_demo
    from forum.extensions import db
    from forum.models import Category, Post
    from sqlalchemy import select

    with app.app_context():
        load_demo()
        ada = accounts.register("ada_e2e", "ada@example.org", PASSWORD)
        ben = accounts.register("ben_e2e", "ben@example.org", PASSWORD)
        admin = accounts.register("admin_e2e", "admin@example.org", PASSWORD, role="admin")
        category = db.session.scalar(select(Category).order_by(Category.position).limit(1))
        thread = boards.create_thread(ada, category, "Walking aids that actually help",
                                      "I tried a **rollator** last month.\n\n- lighter than I expected\n- folds into the car")
        first = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
        boards.edit_post(ada, first, first.body + "\n\nEdit: it also has a seat, which matters on bad days.")
        reply = boards.create_reply(ben, thread, boards.quote_markdown(first) + "Same here, @ada_e2e. Mine has a basket.")
        boards.toggle_helpful(ben, first)
        # Content that tries to push the page sideways at 360 px: a 30-character name, a long URL,
        # an unbroken word, a code line and a wide table.
        wide = accounts.register("Long_pseudonym_for_wrapping_30", "long@example.org", PASSWORD)
        boards.create_reply(wide, thread, WIDE_BODY)
        from forum.search import rebuild_index  # what the worker does: score posts, build the search index
        from tests.helpers import score_pending

        score_pending()
        rebuild_index()
        ids = {
            "category_slug": category.slug, "thread_id": thread.id, "thread_slug": thread.slug,
            "first_post_id": first.id, "reply_post_id": reply.id, "member": ada.username,
            "other": ben.username, "admin": admin.username,
        }
        db.session.remove()
    return ids


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The running forum: `site("/latest")` is the full URL of a page; `site.ids` names seeded rows."""
    from flask_migrate import upgrade
    from werkzeug.serving import WSGIRequestHandler, make_server

    from forum import create_app

    root = tmp_path_factory.mktemp("e2e")
    app = create_app("testing", {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'e2e.sqlite3'}",
        "FORUM_INSTANCE_DIR": str(root / "instance"),
        "WTF_CSRF_ENABLED": True,
    })
    with app.app_context():
        upgrade()
    ids = _seed(app)

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # keep the test output readable
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield Site(url=f"http://127.0.0.1:{server.server_port}", app=app, ids=ids)
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        from forum.extensions import db

        db.engine.dispose()


# --------------------------------------------------------------------------- browser

@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium) to run the e2e tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _logins(browser, site):
    """Storage state (the session cookie) per seeded member, made once by logging in through the form."""
    states: dict[str, dict] = {}

    def state_for(role: str) -> dict:
        if role not in states:
            context = browser.new_context(viewport=DESKTOP)
            page = context.new_page()
            page.goto(site("/login"))
            page.get_by_label("Username or email").fill(site.ids[role])
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("main").get_by_role("button", name="Log in").click()
            page.wait_for_url(site("/"))
            states[role] = context.storage_state()
            context.close()
        return states[role]

    return state_for


@pytest.fixture()
def open_page(browser, site, _logins):
    """open_page(as_user=None|'member'|'other'|'admin', **context options) -> a fresh page in its own context."""
    contexts = []

    def make(as_user: str | None = None, **options):
        options.setdefault("viewport", DESKTOP)
        if as_user:
            options["storage_state"] = _logins(as_user)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture()
def page(open_page):
    """An anonymous visitor's page at 1280 x 800."""
    return open_page()


# --------------------------------------------------------------------------- page types

def page_types(ids: dict) -> dict[str, tuple[str, str | None]]:
    """Every page type: name -> (path, who looks at it)."""
    t, slug, first, reply = ids["thread_id"], ids["thread_slug"], ids["first_post_id"], ids["reply_post_id"]
    return {
        "categories": ("/", None),
        "latest": ("/latest", "member"),
        "category": (f"/c/{ids['category_slug']}", None),
        "thread (visitor)": (f"/t/{t}-{slug}", None),
        "thread (member)": (f"/t/{t}-{slug}", "member"),
        "new thread form": (f"/c/{ids['category_slug']}/new", "member"),
        "reply form": (f"/t/{t}/reply?quote={first}", "other"),
        "edit form": (f"/p/{first}/edit", "member"),
        "delete confirmation": (f"/p/{reply}/delete", "other"),
        "history": (f"/p/{first}/history", None),
        "profile": (f"/u/{ids['member']}", None),
        "settings": ("/settings", "member"),
        "notifications": ("/notifications", "member"),
        "login": ("/login", None),
        "register": ("/register", None),
        "reset": ("/reset", None),
        "search": ("/search?q=rollator", None),
        "error 404": ("/no/such/page", None),
        "admin users": ("/admin/users", "admin"),
        "logout": ("/logout", "member"),
    }


PAGE_NAMES = list(page_types(defaultdict(str)))


@pytest.fixture()
def visit(open_page, site):
    """visit(name, **context options) -> a page showing that page type as the right member."""

    def go(name: str, **options):
        path, who = page_types(site.ids)[name]
        page = open_page(who, **options)
        response = page.goto(site(path))
        expected = 404 if name.startswith("error") else 200
        assert response.status == expected, f"{name}: {path} answered {response.status}"
        return page

    return go


# --------------------------------------------------------------------------- axe

def run_axe(page) -> list[dict]:
    """Inject the vendored axe-core (through the DevTools protocol, so the page's CSP stays on) and run it."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
            resultTypes: ['violations'],
        });
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                      summary: n.failureSummary}))}));
    }""")
    return result


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            lines.append(f"    at {node['target']}\n       {node['html']}")
            for detail in (node["summary"] or "").splitlines():
                lines.append(f"       {detail}")
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)
