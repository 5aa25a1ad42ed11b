"""CSRF on every state-changing route in the URL map (issue 18).

For every rule that answers POST, PUT, PATCH or DELETE, a member who may use it (the author, a
moderator or an admin, as the route matrix's rules say) sends a complete-looking form without a
CSRF token, the way another site's page would make their browser send it. The forum must refuse
it with 400 and the "form expired" page, and nothing in the database may change: no post, no
draft kept, no report, no role, no flag.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db, limiter
from tests.helpers import FormClient
from tests.security import world as W
from tests.security.test_route_matrix import CASES, OK, expected_for

# what a filled-in form would carry; each route reads the fields it knows
FORM = {
    "title": "A cure at last", "body": "Stop your DMT and call the Sunrise clinic.", "text": "Please restore my post.",
    "reason": "spam", "note": "cross-site", "role": "admin", "email": "attacker@example.org",
    "username": "Attacker", "password": "correct horse battery", "current_password": "correct horse battery",
    "new_password": "another long password", "confirm": "another long password", "days": "7", "message": "hi",
    "claim": "Vitamin D cures MS", "paraphrases": "vitamin d cures ms", "evidence_url": "https://example.org/",
    "name": "Evil clinic", "kind": "clinic", "domains": "evil.example", "post_ids": "1", "action": "hide",
    "profile-bio": "Owned", "font_size": "large", "theme": "dark", "login": "Author", "labels": "promotion",
}
STATE_CASES = [c for c in CASES if c[1] in W.STATE_CHANGING]


def _actor(rule) -> str:
    expected = expected_for(rule)
    return next(r for r in ("author", "member", "moderator", "admin") if expected[r] == OK)


def _rows() -> dict:
    db.session.expire_all()
    with db.engine.connect() as conn:
        return {t.name: sorted((tuple(sorted((k, repr(v)) for k, v in r._mapping.items() if k != "last_seen_at"))
                                for r in conn.execute(select(t))), key=repr)
                for t in W._tables()}


def test_every_state_changing_route_is_covered():
    assert len(STATE_CASES) >= 40
    assert {"boards.reply", "boards.new_thread", "comfort.autosave", "moderation.bulk"} <= {
        rule.endpoint for rule, _, _ in STATE_CASES}


@pytest.mark.parametrize("case", STATE_CASES, ids=[W.case_id(c) for c in STATE_CASES])
def test_a_request_without_csrf_token_is_refused_and_changes_nothing(app, ctx, case):
    rule, method, choice = case
    world, cookies = W.snapshot_world(app)
    url = W.url_for_case(world, rule, choice)
    actor = _actor(rule)
    client = FormClient(app.test_client())
    client.set_cookie("session", cookies[actor], domain="forum.test")
    assert client.get("/settings").status_code == 200, f"{actor} is not logged in"
    before = _rows()
    limiter.reset()
    if rule.endpoint == "comfort.autosave":
        response = client.open(url, method=method, json={"target": f"thread:{world.ids['thread_id']}",
                                                        "title": "", "body": FORM["body"]})
    else:
        response = client.open(url, method=method, data=FORM)
    assert response.status_code == 400, (actor, response.status_code, response.get_data(as_text=True)[:300])
    assert "form expired" in response.get_data(as_text=True).lower()
    after = _rows()
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert not changed, f"{method} {url} as {actor} changed {sorted(changed)}"
