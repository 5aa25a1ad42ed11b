"""The audit log reads as what a person did, with readable dates, not as raw state changes."""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from forum.boards import service
from forum.extensions import db
from moderation import actions, audit_text, reports
from moderation.models import AuditEntry
from tests.moderation.factories import flag, hold


def _latest(action: str) -> AuditEntry:
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                              .order_by(AuditEntry.id.desc())).first()


def test_hiding_a_held_promotion_reads_as_hiding_it_not_as_held_to_flagged(ctx, people, post):
    flag(post, "clinic_promotion", 0.99)
    hold(post)
    actions.hide(people["moderator"], post, "clinic_promotion")
    entry = _latest("hide")
    assert audit_text.describe(entry) == "Hid the held post (clinic promotion): it stays out of public view"
    changed = {c.field: (c.before.text, c.after.text) for c in audit_text.changes(entry)}
    assert changed["Who can see the post"] == ("held until a moderator reviews it",
                                               "hidden: only the author and moderators")
    assert not any("flagged" in before + after for before, after in changed.values())


def test_hide_then_restore_and_approving_a_flagged_post(ctx, people, post):
    flag(post, "misinformation", 0.8)
    actions.hide(people["moderator"], post, "misinformation")
    assert audit_text.describe(_latest("hide")) == "Hid the post (medical misinformation)"
    actions.restore(people["moderator"], post)
    assert audit_text.describe(_latest("restore")) == "Restored the post: visible to everyone again"
    other = service.create_reply(people["member"], post.thread, "Thank you, that helps.")
    flag(other, "clinic_promotion", 0.7)
    actions.approve(people["moderator"], other)
    assert audit_text.describe(_latest("approve")) == "Kept the post visible: not a problem"


def test_approving_a_held_post_reads_as_releasing_it(ctx, people, post):
    hold(post)
    actions.approve(people["moderator"], post)
    assert audit_text.describe(_latest("approve")) == "Released the held post: now visible to everyone"


def test_an_automatic_hide_names_the_system_and_why(ctx, people, post, app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_HIDE_THRESHOLD", 1)
    reports.submit(people["member"], post, "spam")
    assert audit_text.describe(_latest("auto_hide")).startswith("Hidden automatically after reports from members")


def test_times_in_changes_are_readable_with_the_iso_value_kept_for_machines(ctx, people, post):
    flag(post)
    actions.hide(people["moderator"], post)
    [hidden_since] = [c for c in audit_text.changes(_latest("hide")) if c.field == "Hidden since"]
    assert hidden_since.before.text == "—"
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d", hidden_since.after.text)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", hidden_since.after.iso)


def test_readable_time_has_no_leading_zero():
    assert audit_text.readable_time(datetime(2026, 12, 7, 14, 5, 9)) == "7 Dec 2026, 14:05"


def test_member_actions_name_the_member(ctx, people):
    actions.suspend(people["moderator"], people["author"], 3, "cool off")
    text = audit_text.describe(_latest("suspend"))
    assert re.fullmatch(r"Suspended poster until \d{1,2} \w{3} \d{4}, \d\d:\d\d", text)
    actions.warn(people["moderator"], people["member"], "Be kind")
    assert audit_text.describe(_latest("warn")) == "Warned reader"


def test_an_unknown_action_still_reads_as_words():
    entry = AuditEntry(action="merge_threads", before={}, after={})
    assert audit_text.describe(entry) == "Merge threads" and audit_text.changes(entry) == []


def test_the_audit_page_shows_actions_and_dates_in_words(client, people, post):
    flag(post, "clinic_promotion", 0.99)
    hold(post)
    actions.hide(people["moderator"], post, "clinic_promotion")
    client.login(people["moderator2"])
    for url in ("/moderation/audit", f"/moderation/post/{post.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "Hid the held post (clinic promotion)" in html
        assert "held → flagged" not in html and "moderation state" not in html
        assert not re.search(r">\s*\d{4}-\d\d-\d\dT", html)                  # no raw ISO time as text
        assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[\d:]+Z">\d{1,2} \w{3} \d{4}, \d\d:\d\d</time>', html)
