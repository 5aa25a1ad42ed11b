"""Every route in the URL map, for every kind of visitor (issue 18: make the audit repeatable).

The cases come from the app's URL map (what `flask routes` lists), so a new route is in the matrix
the day it is added: if its URL parameters cannot be filled from tests/security/world.py, or no
rule below says who may use it, its test fails and says so. What each visitor should get comes
from the short table of rules below, written from the house rules, not recorded from the app.

A visitor's outcome is one of: ok (the page, or the form telling them what is missing), login
(sent to log in), denied (403, or 404 where the thing is not theirs to know about). Never a 500.
"""
from __future__ import annotations

import pytest

from forum.extensions import limiter
from tests.helpers import FormClient
from tests.security import world as W

OK, LOGIN, DENIED, INVALID = "ok", "login", "denied", "invalid link"
ROLES = W.ROLES


def _for(ok=(), denied=(), login=("anonymous", "banned")) -> dict:
    """Roles in `ok` may use it; `login` roles are sent to log in; everyone else is denied."""
    return {r: OK if r in ok else LOGIN if r in login else DENIED for r in ROLES}


EVERYONE = dict.fromkeys(ROLES, OK)        # a banned member's session has ended: they read as a visitor
MEMBERS = _for(ok=("member", "author", "moderator", "admin", "suspended"))
PARTICIPANTS = _for(ok=("member", "author", "moderator", "admin"))       # suspended and banned cannot post
OTHERS_POSTS = _for(ok=("member", "moderator", "admin"))                 # react to / report someone else's post
OWNER = _for(ok=("author",))                                             # the author's post, draft, export, link
# the author's email-change link: anyone else gets the "this link is not valid" page (400)
OWNER_LINK = {r: INVALID if v == DENIED else v for r, v in OWNER.items()}
STAFF = _for(ok=("moderator", "admin"))
ADMINS = _for(ok=("admin",))

# first match wins: (rule prefix or endpoint, who may use it)
RULES = [
    ("admin_categories.", ADMINS),      # /admin/categories: create, edit, order, archive
    ("thread_tools.", STAFF),           # pin, close, move a thread (moderation/thread_tools.py)
    ("/admin/", ADMINS),
    ("/moderation/", STAFF),
    ("boards.edit", OWNER), ("boards.delete", OWNER), ("moderation.appeal", OWNER),
    ("comfort.discard", OWNER), ("privacy.download_export", OWNER), ("privacy.notified_export", OWNER),
    ("notifications.open_one", OWNER), ("notifications.post", OWNER), ("privacy.confirm_email", OWNER_LINK),
    ("boards.helpful", OTHERS_POSTS), ("moderation.report", OTHERS_POSTS),
    ("boards.new_thread", PARTICIPANTS), ("boards.reply", PARTICIPANTS),
    ("/settings", MEMBERS), ("accounts.members_page", MEMBERS), ("/drafts", MEMBERS), ("/api/drafts", MEMBERS), ("/notifications", MEMBERS),
    ("/read-later", MEMBERS), ("boards.watch", MEMBERS), ("comfort.toggle_read_later", MEMBERS),
    # public pages, readable by all; the account forms answer everyone (a member is sent on)
    ("boards.", EVERYONE), ("accounts.", EVERYONE), ("search.", EVERYONE), ("static", EVERYONE), ("favicon", EVERYONE),
    ("comfort.reading", EVERYONE), ("comfort.keyboard", EVERYONE), ("comfort.thread_summary", EVERYONE),
    ("privacy.policy", EVERYONE), ("moderation.transparency", EVERYONE),
    # operating: health is public; /metrics is decided by address, not role (METRICS_ALLOWED, loopback by
    # default, which is where the test client calls from); tests/test_ops_health.py checks other addresses
    ("ops.healthz", EVERYONE), ("ops.metrics", EVERYONE),
]
# the world has posts the classifier never scored and no worker: /healthz rightly answers 503 (unhealthy),
# which for this matrix means "answered", not "denied"
UNHEALTHY_IS_AN_ANSWER = {"ops.healthz"}
QUERY = {"search.search_page": "?q=fatigue", "search.api_search": "?q=fatigue"}


def expected_for(rule) -> dict:
    for key, who in RULES:
        if rule.rule.startswith(key) if key.startswith("/") else (rule.endpoint == key or
                                                                  (key.endswith(".") and rule.endpoint.startswith(key))):
            return who
    pytest.fail(f"No rule in tests/security/test_route_matrix.py RULES says who may use {rule.rule} "
                f"({rule.endpoint}); add one.")


def outcome(method: str, response, expected: str) -> str:
    code = response.status_code
    if code in (401,) or (code in (302, 303) and "/login" in response.headers.get("Location", "")):
        return LOGIN
    if code in (200, 201, 204, 302, 303):
        return OK
    if code in (403, 404, 410):
        return DENIED
    if code in (400, 409) and expected == INVALID:
        return INVALID
    if method != "GET" and code in (400, 409):      # the form said what is missing or already done
        return OK
    return f"HTTP {code}"


CASES = W.rule_cases(W.url_map_app())


def test_every_route_is_in_the_matrix():
    """The matrix covers the URL map: the many pages and forms a member can reach, not a hand-made list."""
    endpoints = {rule.endpoint for rule, _, _ in CASES}
    assert {"boards.reply", "moderation.decide", "admin.user", "privacy.download_export"} <= endpoints
    assert len(CASES) >= 90


@pytest.mark.parametrize("case", CASES, ids=[W.case_id(c) for c in CASES])
def test_route_permissions(app, ctx, case):
    rule, method, choice = case
    expected = expected_for(rule)
    world, cookies = W.snapshot_world(app)
    try:
        url = W.url_for_case(world, rule, choice) + QUERY.get(rule.endpoint, "")
    except W.Unfillable as exc:
        pytest.fail(str(exc))
    wrong = []
    for role in ROLES:
        limiter.reset()
        client = FormClient(app.test_client())
        if role != "anonymous":
            client.set_cookie("session", cookies[role], domain="forum.test")
        if method == "GET":
            response = client.get(url)
        else:
            token = client.token("/reset")
            if rule.endpoint == "comfort.autosave":
                response = client.open(url, method=method, json={}, headers={"X-CSRFToken": token})
            else:
                response = client.open(url, method=method, data={"csrf_token": token})
        got = outcome(method, response, expected[role])
        if rule.endpoint in UNHEALTHY_IS_AN_ANSWER and response.status_code == 503:
            got = OK
        if got != expected[role]:
            wrong.append(f"{role}: expected {expected[role]}, got {got} "
                         f"({response.status_code} {response.headers.get('Location', '')})")
        if method != "GET" or rule.endpoint == "accounts.logout":
            W.restore()
    assert not wrong, f"{method} {url}\n" + "\n".join(wrong)


def test_a_route_with_a_parameter_the_world_cannot_fill_fails_loudly(app, ctx):
    from werkzeug.routing import Map, Rule

    rule = Rule("/widgets/<int:widget_id>", endpoint="widgets.show")
    Map([rule])
    with pytest.raises(W.Unfillable, match="widget_id"):
        W.url_for_case(W.World(ids={}, users={}), rule, {})
