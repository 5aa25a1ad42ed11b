"""Every moderator action: what changes, what the author is told, and the audit entry it leaves."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from forum.extensions import db
from forum.models import Notification, Post, PostRevision, User, utcnow
from moderation import actions, reports
from moderation.models import AuditEntry, AuditLogIsAppendOnly, Decision, LabelDecision, ModerationFlag, Report
from tests.helpers import create_thread, create_user
from tests.moderation.factories import flag, hold


def _entries(action=None):
    db.session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def _notes(user):
    db.session.expire_all()
    return [n.message for n in db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind.like("moderation%") | Notification.kind.like("appeal%")))]


def _verdicts(post):
    return {(v.label, v.verdict) for v in db.session.scalars(select(LabelDecision).where(LabelDecision.post_id == post.id))}


def _refresh(*objs):
    db.session.expire_all()
    return objs


def test_approve_rejects_flags_dismisses_reports_and_publishes_held_post(client, people, post):
    reports.submit(people["member"], post, "spam")
    flag(post, "clinic_promotion", 0.8, state="held")
    client.login(people["moderator"])
    response = client.post_form(f"/moderation/post/{post.id}/approve", {"note": "Patient experience, no clinic ad"})
    assert response.status_code == 302
    _refresh()
    assert post.moderation_state == "clean" and post.hidden_at is None and post.search_dirty
    assert db.session.scalar(select(ModerationFlag)).outcome == "rejected"
    assert db.session.scalar(select(Report)).outcome == "dismissed"
    assert _verdicts(post) == {("clinic_promotion", "rejected")}
    [entry] = _entries("approve")
    assert entry.actor_id == people["moderator"].id and entry.actor_role == "moderator"
    assert entry.post_id == post.id and entry.target_user_id == post.author_id
    assert entry.note == "Patient experience, no clinic ad"
    assert entry.before["moderation_state"] == "held" and entry.after["moderation_state"] == "clean"
    assert any("visible to everyone now" in m for m in _notes(people["author"]))


def test_approve_can_keep_a_label_confirmed(ctx, people, post):
    flag(post, "clinic_promotion", 0.8)
    flag(post, "misinformation", 0.6)
    actions.approve(people["moderator"], post, labels_confirmed=["clinic_promotion"])
    assert _verdicts(post) == {("clinic_promotion", "confirmed"), ("misinformation", "rejected")}


def test_approve_with_nothing_open_is_refused(client, people, post):
    client.login(people["moderator"])
    response = client.post_form(f"/moderation/post/{post.id}/approve", {})
    assert response.status_code == 400
    assert "Nothing about this post is waiting" in response.get_data(as_text=True)
    assert _entries() == []


def test_hide_keeps_the_post_tells_the_author_and_confirms_labels(client, people, post):
    flag(post, "clinic_promotion", 0.9)
    flag(post, "misinformation", 0.55)
    client.login(people["moderator"])
    response = client.post_form(f"/moderation/post/{post.id}/hide", {
        "reason": "clinic_promotion", "note": "See the trial registry", "labels_given": "1",
        "labels": ["clinic_promotion"]})
    assert response.status_code == 302
    _refresh()
    assert post.hidden_at is not None and post.deleted_at is None and post.search_dirty
    assert post.hidden_reason == "Promotes an unproven clinic, treatment or product. See the trial registry"
    assert _verdicts(post) == {("clinic_promotion", "confirmed"), ("misinformation", "rejected")}
    [entry] = _entries("hide")
    assert entry.before["hidden_at"] is None and entry.after["hidden_at"] is not None
    assert entry.after["hidden_reason"] == post.hidden_reason
    assert any("hid your post" in m and "appeal" in m for m in _notes(people["author"]))

    # in place for the author, gone for everyone else
    thread_url = f"/t/{post.thread_id}"
    client.logout()
    assert "Sunrise clinic" not in client.get(thread_url).get_data(as_text=True)
    client.login(people["author"])
    html = client.get(thread_url).get_data(as_text=True)
    assert "Sunrise clinic" in html and "Hidden by moderators: Promotes an unproven clinic" in html
    assert f"/p/{post.id}/appeal" in html


def test_hide_defaults_to_flagged_and_reported_labels(ctx, people, post):
    reports.submit(people["member"], post, "misinformation")
    actions.hide(people["moderator"], post)
    assert _verdicts(post) == {("misinformation", "confirmed")}
    decision = db.session.scalar(select(Decision))
    assert decision.reason == "misinformation" and decision.appealable and decision.signals == ["report"]


def test_hide_with_unknown_reason_is_a_400_and_writes_nothing(client, people, post):
    flag(post)
    client.login(people["moderator"])
    response = client.post_form(f"/moderation/post/{post.id}/hide", {"reason": "ugly"})
    assert response.status_code == 400
    _refresh()
    assert post.hidden_at is None and _entries() == [] and db.session.scalar(select(Decision)) is None


def test_restore_reverses_a_hide_and_its_labels(client, people, post):
    flag(post, "clinic_promotion")
    actions.hide(people["moderator"], post)
    client.login(people["moderator2"])
    assert client.post_form(f"/moderation/post/{post.id}/restore", {"note": "Context note instead"}).status_code == 302
    _refresh()
    assert post.hidden_at is None and post.moderation_state == "clean"
    latest = db.session.scalars(select(LabelDecision).order_by(LabelDecision.id.desc())).first()
    assert (latest.label, latest.verdict) == ("clinic_promotion", "rejected")
    [entry] = _entries("restore")
    assert entry.before["hidden_at"] is not None and entry.after["hidden_at"] is None
    # restoring a visible post is refused
    response = client.post_form(f"/moderation/post/{post.id}/restore", {})
    assert response.status_code == 400 and "not hidden" in response.get_data(as_text=True)


def test_edit_keeps_a_revision_and_tells_the_author(client, people, post):
    client.login(people["moderator"])
    page = client.get(f"/moderation/post/{post.id}/edit")
    assert page.status_code == 200 and 'for="note"' in page.get_data(as_text=True)
    response = client.post_form(f"/moderation/post/{post.id}/edit", {
        "body": "Go to a neurologist you trust. [Link removed by moderators]", "note": "Removed clinic link"})
    assert response.status_code == 302
    _refresh()
    assert post.body.startswith("Go to a neurologist") and post.revision_count == 2
    assert post.moderation_state == "pending"
    revisions = db.session.scalars(select(PostRevision).where(PostRevision.post_id == post.id)).all()
    assert len(revisions) == 2 and revisions[0].body.startswith("Go to the Sunrise clinic")
    [entry] = _entries("edit")
    assert entry.note == "Removed clinic link" and entry.before["revision_count"] == 1
    assert entry.after["revision_count"] == 2 and "Sunrise" in entry.before["body"]
    assert any("edited your post" in m for m in _notes(people["author"]))


def test_edit_without_changes_or_with_an_empty_body_is_refused(client, people, post):
    client.login(people["moderator"])
    same = client.post_form(f"/moderation/post/{post.id}/edit", {"body": post.body})
    assert same.status_code == 400 and "Nothing changed" in same.get_data(as_text=True)
    empty = client.post_form(f"/moderation/post/{post.id}/edit", {"body": "   "})
    assert empty.status_code == 400
    assert _entries() == []


def test_context_note_is_shown_under_the_post_to_everyone(client, people, post):
    note = "This clinic sells an unproven treatment; see the trial registry."
    client.login(people["moderator"])
    assert client.post_form(f"/moderation/post/{post.id}/context-note", {"context_note": note}).status_code == 302
    client.logout()
    html = client.get(f"/t/{post.thread_id}").get_data(as_text=True)
    assert "Moderator note:</strong> This clinic sells an unproven treatment; see the trial registry." in html
    [entry] = _entries("context_note")
    assert entry.before["context_note"] is None and entry.after["context_note"] == note
    client.login(people["moderator"])
    assert client.post_form(f"/moderation/post/{post.id}/context-note", {"context_note": ""}).status_code == 302
    assert _entries("clear_context_note")[0].after["context_note"] is None


def test_lock_and_unlock_the_thread(client, people, post):
    client.login(people["moderator"])
    assert client.post_form(f"/moderation/post/{post.id}/lock", {"note": "Going in circles"}).status_code == 302
    _refresh()
    assert post.thread.locked
    client.logout()
    client.login(people["member"])
    assert client.post_form(f"/t/{post.thread_id}/reply", {"body": "One more thing"}).status_code == 403
    client.logout()
    client.login(people["moderator"])
    again = client.post_form(f"/moderation/post/{post.id}/lock", {})
    assert again.status_code == 400 and "already locked" in again.get_data(as_text=True)
    assert client.post_form(f"/moderation/post/{post.id}/unlock", {}).status_code == 302
    _refresh()
    assert not post.thread.locked
    assert [(e.action, e.before["thread_locked"], e.after["thread_locked"]) for e in _entries()] == [
        ("lock", False, True), ("unlock", True, False)]


def test_warn_sends_a_private_notification(client, people, post):
    client.login(people["moderator"])
    response = client.post_form(f"/moderation/user/{post.author_id}/warn", {
        "message": "Please do not post clinic adverts.", "post_id": str(post.id)})
    assert response.status_code == 302
    notes = _notes(people["author"])
    assert notes == ["A message from the moderators: Please do not post clinic adverts."]
    assert _notes(people["member"]) == []
    [entry] = _entries("warn")
    assert entry.target_user_id == post.author_id and entry.post_id == post.id
    client.logout()
    client.login(people["author"])
    assert "Please do not post clinic adverts." in client.get("/notifications").get_data(as_text=True)


def test_suspend_for_n_days_then_lift(client, people, post):
    client.login(people["moderator"])
    response = client.post_form(f"/moderation/user/{post.author_id}/suspend", {"days": "3", "note": "Clinic adverts"})
    assert response.status_code == 302
    author = db.session.get(User, post.author_id)
    _refresh()
    assert timedelta(days=2, hours=23) < author.suspended_until - utcnow() <= timedelta(days=3)
    [entry] = _entries("suspend")
    assert entry.before["suspended_until"] is None and entry.after["suspended_until"]
    assert any("suspended for 3 days" in m for m in _notes(author))
    assert client.post_form(f"/moderation/user/{author.id}/unsuspend", {}).status_code == 302
    _refresh()
    assert author.suspended_until is None and _entries("unsuspend")


@pytest.mark.parametrize("days", ["0", "-2", "abc", "", "9999"])
def test_suspend_with_bad_days_is_a_400(client, people, post, days):
    client.login(people["moderator"])
    response = client.post_form(f"/moderation/user/{post.author_id}/suspend", {"days": days})
    assert response.status_code == 400
    _refresh()
    assert db.session.get(User, post.author_id).suspended_until is None and _entries() == []


def test_ban_is_confirmed_on_its_own_page_and_ends_sessions(client, app, people, post):
    author_client = app.test_client()
    from tests.helpers import FormClient

    author_client = FormClient(author_client)
    author_client.login(people["author"])
    assert author_client.get("/notifications").status_code == 200

    client.login(people["moderator"])
    page = client.get(f"/moderation/user/{post.author_id}/ban")
    assert page.status_code == 200 and "logged out everywhere" in page.get_data(as_text=True)
    assert db.session.get(User, post.author_id).banned_at is None  # GET changes nothing
    assert client.post_form(f"/moderation/user/{post.author_id}/ban", {"note": "Spam account"}).status_code == 302
    _refresh()
    author = db.session.get(User, post.author_id)
    assert author.banned_at is not None
    [entry] = _entries("ban")
    assert entry.before["session_version"] + 1 == entry.after["session_version"] and entry.note == "Spam account"

    # the banned member's open session is over, and they cannot log back in
    response = author_client.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert author_client.post_form("/login", {"login": "poster", "password": "correct horse battery"}).status_code == 400

    assert client.post_form(f"/moderation/user/{author.id}/unban", {}).status_code == 302
    _refresh()
    assert author.banned_at is None and _entries("unban")


def test_bulk_approve_and_hide_write_one_entry_per_item(client, people, post):
    thread = post.thread
    from forum.boards import service

    others = [service.create_reply(create_user(), thread, f"Reply {i}") for i in range(3)]
    for p in [post, *others]:
        flag(p)
    client.login(people["moderator"])
    response = client.post_form("/moderation/bulk", {"action": "approve", "post_ids": [str(others[0].id), str(others[1].id)],
                                                     "next": "/moderation/queue"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/moderation/queue")
    response = client.post_form("/moderation/bulk", {"action": "hide", "post_ids": [str(post.id), str(others[2].id)],
                                                     "note": "Clinic adverts"})
    assert response.status_code == 302
    assert sorted(e.post_id for e in _entries("approve")) == sorted([others[0].id, others[1].id])
    assert sorted(e.post_id for e in _entries("hide")) == sorted([post.id, others[2].id])
    _refresh()
    assert post.hidden_at is not None and others[0].hidden_at is None


def test_bulk_skips_what_the_moderator_may_not_do_and_says_so(client, people, post):
    admin_thread = create_thread(author=people["admin"], title="Admin announcement", body="Clinic list here")
    admin_post = db.session.scalar(select(Post).where(Post.thread_id == admin_thread.id))
    flag(post)
    flag(admin_post)
    client.login(people["moderator"])
    response = client.post_form("/moderation/bulk", {"action": "hide", "post_ids": [str(post.id), str(admin_post.id)]},
                                follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Hid 1 item." in html and f"Post {admin_post.id} was skipped: Only an admin" in html
    _refresh()
    assert post.hidden_at is not None and admin_post.hidden_at is None


def test_bulk_with_nothing_selected_is_a_400(client, people):
    client.login(people["moderator"])
    response = client.post_form("/moderation/bulk", {"action": "hide"})
    assert response.status_code == 400 and "Select at least one item" in response.get_data(as_text=True)


def test_moderators_cannot_act_on_admins_but_admins_can(client, people):
    admin_thread = create_thread(author=people["admin"], title="Admin post", body="Some text")
    admin_post = db.session.scalar(select(Post).where(Post.thread_id == admin_thread.id))
    flag(admin_post)
    client.login(people["moderator"])
    for url, data in ((f"/moderation/post/{admin_post.id}/hide", {}), (f"/moderation/post/{admin_post.id}/lock", {}),
                      (f"/moderation/post/{admin_post.id}/context-note", {"context_note": "x"}),
                      (f"/moderation/user/{people['admin'].id}/warn", {"message": "x"}),
                      (f"/moderation/user/{people['admin'].id}/suspend", {"days": "1"}),
                      (f"/moderation/user/{people['admin'].id}/ban", {})):
        assert client.post_form(url, data).status_code == 403, url
    assert client.get(f"/moderation/post/{admin_post.id}/edit").status_code == 403
    assert client.get(f"/moderation/user/{people['admin'].id}/ban").status_code == 403
    assert _entries() == []
    client.logout()
    client.login(people["admin"])
    assert client.post_form(f"/moderation/user/{people['moderator'].id}/suspend", {"days": "1"}).status_code == 302
    assert _entries("suspend")[0].actor_role == "admin"


def test_moderators_cannot_sanction_moderators_or_decide_on_their_own_posts(client, people, post):
    from forum.boards import service

    own = service.create_reply(people["moderator"], post.thread, "My own reply")
    flag(own)
    client.login(people["moderator"])
    assert client.post_form(f"/moderation/post/{own.id}/approve", {}).status_code == 403
    assert client.post_form(f"/moderation/user/{people['moderator2'].id}/suspend", {"days": "2"}).status_code == 403
    assert client.post_form(f"/moderation/user/{people['moderator'].id}/warn", {"message": "me"}).status_code == 403
    client.logout()
    client.login(people["moderator2"])
    assert client.post_form(f"/moderation/post/{own.id}/approve", {}).status_code == 302


def test_a_decision_on_a_stale_page_is_refused(client, people, post):
    flag(post)
    client.login(people["moderator"])
    page = client.get("/moderation/queue").get_data(as_text=True)
    assert 'name="seen" value="0"' in page
    actions.hide(people["moderator2"], post)  # someone else decides first
    response = client.post_form(f"/moderation/post/{post.id}/approve", {"seen": "0"})
    assert response.status_code == 409 and "Another decision was made" in response.get_data(as_text=True)
    _refresh()
    assert post.hidden_at is not None


def test_note_too_long_is_refused_without_a_row(client, app, people, post, monkeypatch):
    monkeypatch.setitem(app.config, "MODERATION_NOTE_MAX_LENGTH", 20)
    flag(post)
    client.login(people["moderator"])
    response = client.post_form(f"/moderation/post/{post.id}/hide", {"note": "x" * 21})
    assert response.status_code == 400 and "the limit is 20" in response.get_data(as_text=True)
    _refresh()
    assert post.hidden_at is None and _entries() == []


def test_audit_log_is_append_only(client, people, post):
    flag(post)
    actions.hide(people["moderator"], post, note="original")
    entry = _entries()[0]
    entry.note = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(update(AuditEntry).values(note="rewritten"))
    db.session.rollback()
    db.session.delete(_entries()[0])
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(Exception, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE moderation_audit SET note = 'rewritten'"))
    assert _entries()[0].note == "original"
    # moderators read it; there is no way to change it from the application
    client.login(people["moderator"])
    html = client.get("/moderation/audit").get_data(as_text=True)
    assert "Hid post" in html and "original" in html
    assert client.post_form("/moderation/audit", {}).status_code == 405


def test_role_changes_are_audited_and_only_admins_change_roles(client, people):
    client.login(people["moderator"])
    assert client.post_form(f"/admin/users/{people['member'].id}", {"role": "moderator"}).status_code == 403
    client.logout()
    client.login(people["admin"])
    assert client.post_form(f"/admin/users/{people['member'].id}", {"role": "moderator"}).status_code == 302
    [entry] = _entries("set_role")
    assert entry.actor_id == people["admin"].id and entry.target_user_id == people["member"].id
    assert (entry.before["role"], entry.after["role"]) == ("member", "moderator")


def test_held_notice_helper_for_the_worker(ctx, people, post):
    hold(post)
    actions.notice_held(post)
    db.session.commit()
    assert any("waiting for a moderator" in m for m in _notes(people["author"]))


def test_a_note_ending_in_a_full_stop_is_not_doubled(client, people, post):
    actions.hide(people["moderator"], post, "clinic_promotion", note="Clinic adverts are not allowed here.")
    [message] = [m for m in _notes(people["author"]) if "hid your post" in m]
    assert "Clinic adverts are not allowed here. You can appeal" in message and ".." not in message
    client.login(people["author"])
    html = client.get(f"/t/{post.thread_id}").get_data(as_text=True)
    assert "Clinic adverts are not allowed here. Only you and the moderators" in html and "here.." not in html
