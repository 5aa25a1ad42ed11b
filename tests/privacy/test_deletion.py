"""Delete my account: both choices for the posts, quotes, mentions, flags, reports, appeals and the audit log."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from forum.extensions import db
from forum.models import Notification, Post, PostRevision, Reaction, Subscription, Thread, User, utcnow
from forum.privacy.models import AccountDeletion
from moderation.models import Appeal, AuditEntry, Decision, ModerationFlag, Report
from tests.helpers import PASSWORD, FormClient, create_user
from tests.privacy.conftest import link_in, mails_to


def delete_via_form(client: FormClient, posts: str, password: str = PASSWORD, confirm: bool = True):
    data = {"posts": posts, "password": password}
    if confirm:
        data["confirm"] = "y"
    return client.post_form("/settings/delete", data, token_page="/settings")


def texts_everywhere(post_id: int) -> list[str]:
    post = db.session.get(Post, post_id)
    revisions = db.session.scalars(select(PostRevision).where(PostRevision.post_id == post_id))
    return [post.body, post.body_html] + [t for r in revisions for t in (r.body, r.body_html)]


def article(page: str, post_id: int) -> str:
    start = page.index(f'id="p{post_id}"')
    return page[start:page.index("</article>", start)]


def audit_snapshot() -> list[tuple]:
    return [tuple(row) for row in db.session.execute(select(
        AuditEntry.id, AuditEntry.created_at, AuditEntry.actor_id, AuditEntry.actor_role, AuditEntry.action,
        AuditEntry.post_id, AuditEntry.target_user_id).order_by(AuditEntry.id))]


def test_the_page_asks_for_the_password_and_the_choice(scene, login):
    page = login(scene.tess).get("/settings/delete").get_data(as_text=True)
    assert 'type="password"' in page and 'value="remove"' in page and 'value="keep"' in page
    assert "cannot be undone" in page
    settings = login(scene.tess).get("/settings").get_data(as_text=True)
    assert 'href="/settings/delete"' in settings


@pytest.mark.parametrize("data,message", [
    ({"posts": "remove", "password": "not my password", "confirm": "y"}, "password is not right"),
    ({"password": PASSWORD, "confirm": "y"}, "Choose what happens to your posts"),
    ({"posts": "remove", "password": PASSWORD}, "Tick the box"),
    ({"posts": "everything", "password": PASSWORD, "confirm": "y"}, "Not a valid choice"),
])
def test_nothing_happens_without_password_choice_and_confirmation(scene, login, data, message):
    client = login(scene.tess)
    response = client.post_form("/settings/delete", data, token_page="/settings/delete")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    tess = db.session.get(User, scene.tess.id)
    assert tess.username == "Tess" and tess.email == "tess@example.org" and tess.password_hash
    assert db.session.scalar(select(func.count(AccountDeletion.id))) == 0


def test_remove_mode_erases_the_account_and_hides_the_posts(app, scene, login):
    phone, laptop = login(scene.tess), login(scene.tess)
    entries_before = audit_snapshot()
    response = delete_via_form(laptop, "remove")
    assert response.status_code == 302
    assert "Your account is deleted" in laptop.get("/").get_data(as_text=True)

    tess = db.session.get(User, scene.tess.id)
    assert tess.username == "deleted-member-1"
    assert tess.email is None and tess.email_key is None and tess.password_hash is None and tess.bio == ""
    assert not tess.can_log_in and tess.role == "member"
    # every session ended, the old login no longer works
    assert phone.get("/settings").status_code == 302
    assert laptop.get("/settings").status_code == 302
    assert FormClient(app.test_client()).post_form("/login", {"login": "Tess", "password": PASSWORD}).status_code == 400
    assert FormClient(app.test_client()).post_form("/login", {"login": "tess@example.org", "password": PASSWORD}).status_code == 400

    # her posts are removed for readers, still readable by moderators
    posts = db.session.scalars(select(Post).where(Post.author_id == tess.id)).all()
    assert posts and all(p.deleted_at is not None for p in posts)
    visitor = FormClient(app.test_client())
    page = visitor.get(f"/t/{scene.story.id}").get_data(as_text=True)
    own = article(page, scene.first.id)
    assert "numbness" not in own and "Post removed by author" in own
    assert "My relapse story" not in page and "My relapse story" not in visitor.get("/latest").get_data(as_text=True)
    assert "Hang in there" in page  # Ben's reply stays
    moderator_view = article(login(scene.mod).get(f"/t/{scene.story.id}").get_data(as_text=True), scene.first.id)
    assert "numbness" in moderator_view and "Removed by author (visible to moderators)" in moderator_view

    # private data is gone
    for model, column in ((Notification, Notification.user_id), (Subscription, Subscription.user_id),
                          (Reaction, Reaction.user_id)):
        assert db.session.scalar(select(func.count()).select_from(model).where(column == tess.id)) == 0

    # the audit log: same actions, same actors and times, plus the deletion itself
    after = audit_snapshot()
    assert after[:len(entries_before)] == entries_before
    assert [e[4] for e in after[len(entries_before):]] == ["account_deleted"]


@pytest.mark.parametrize("posts", ["remove", "keep"])
def test_quotes_keep_the_words_but_lose_the_name_in_every_revision(scene, login, posts):
    assert delete_via_form(login(scene.tess), posts).status_code == 302
    for post in (scene.ben_quote, scene.ben_nested):
        everything = texts_everywhere(post.id)
        for value in everything:
            assert "**Tess**" not in value and "<strong>Tess</strong>" not in value and "<strong>tess</strong>" not in value
            assert "a former member" in value
    ben_quote = db.session.get(Post, scene.ben_quote.id)
    assert "numbness in my left hand" in ben_quote.body and f"/t/{scene.story.id}#p{scene.first.id}" in ben_quote.body
    assert ben_quote.edited_at is not None and ben_quote.revision_count == 2  # no new revision, no new "edited"
    nested = db.session.get(Post, scene.ben_nested.id)
    assert "> > **a former member** [wrote]" in nested.body and "Sunrise clinic" in nested.body


@pytest.mark.parametrize("posts", ["remove", "keep"])
def test_mentions_stay_as_text_but_no_longer_link(scene, login, posts):
    assert delete_via_form(login(scene.tess), posts).status_code == 302
    for post in (scene.ben_quote, scene.ben_nested):
        for html in texts_everywhere(post.id)[1::2]:
            assert 'href="/u/Tess"' not in html and 'href="/u/tess"' not in html
        assert "@Tess" in db.session.get(Post, scene.ben_quote.id).body_html
    assert login(scene.ben).get("/u/Tess").status_code == 404


def test_keep_mode_leaves_posts_readable_under_the_new_name(app, scene, login):
    assert delete_via_form(login(scene.tess), "keep").status_code == 302
    visitor = FormClient(app.test_client())
    page = visitor.get(f"/t/{scene.story.id}").get_data(as_text=True)
    assert "My relapse story" in page and "numbness in my left hand" in page and "deleted-member-1" in page
    assert ">Tess<" not in page
    assert db.session.scalar(select(func.count(Post.id)).where(Post.author_id == scene.tess.id,
                                                               Post.deleted_at.is_not(None))) == 0
    assert "My relapse story" not in visitor.get("/u/deleted-member-1").get_data(as_text=True)
    assert "My relapse story" in login(scene.ben).get("/u/deleted-member-1").get_data(as_text=True)


def test_moderation_records_keep_the_action_but_not_the_identity(scene, login):
    decision_before = db.session.scalar(select(Decision).where(Decision.post_id == scene.tess_reply.id))
    decision_action = decision_before.action
    assert delete_via_form(login(scene.tess), "remove").status_code == 302
    db.session.expire_all()

    report = db.session.scalar(select(Report).where(Report.reporter_id == scene.tess.id))
    assert report.reason == "spam" and report.note == ""          # the report stays, her words go
    appeal = db.session.scalar(select(Appeal).where(Appeal.author_id == scene.tess.id))
    assert appeal.status == "open" and appeal.text == ""
    decision = db.session.scalar(select(Decision).where(Decision.post_id == scene.tess_reply.id))
    assert decision.action == decision_action and "Tess" not in decision.note and "deleted-member-1" in decision.note
    flag = db.session.scalar(select(ModerationFlag).where(ModerationFlag.post_id == scene.tess_reply.id))
    assert flag.label == "clinic_promotion" and flag.score == 0.9

    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    warn = next(e for e in entries if e.action == "warn")
    assert warn.note == "deleted-member-1, please do not recommend clinics." and warn.target_user_id == scene.tess.id
    edit = next(e for e in entries if e.action == "edit")
    assert "Tess" not in edit.note and edit.before["body"].startswith("Try the Sunrise")  # erased at the purge
    hide = next(e for e in entries if e.action == "hide")
    assert hide.note == "deleted-member-1 promotes a clinic"
    deleted = entries[-1]
    assert deleted.action == "account_deleted" and deleted.target_user_id == scene.tess.id
    assert "Tess" not in deleted.note and "tess@example.org" not in str(deleted.before) + str(deleted.after)
    # other members' notifications about her lose the name
    ben_notes = db.session.scalars(select(Notification.message).where(Notification.user_id == scene.ben.id)).all()
    assert ben_notes and not any("Tess" in m for m in ben_notes)
    assert any(m.startswith("A former member replied") for m in ben_notes)


def test_purge_after_the_retention_period_erases_removed_posts(scene, login):
    from forum.privacy import retention

    assert delete_via_form(login(scene.tess), "remove").status_code == 302
    retention.purge(now=utcnow() + timedelta(days=29))
    assert "numbness" in db.session.get(Post, scene.first.id).body  # still there for moderators
    report = retention.purge(now=utcnow() + timedelta(days=31))
    assert report.as_dict()["deleted_posts"] == 2
    db.session.expire_all()
    for post_id in (scene.first.id, scene.tess_reply.id):
        post = db.session.get(Post, post_id)
        assert post.body == "" and post.body_html == "" and post.deleted_at is not None
        assert db.session.scalar(select(func.count(PostRevision.id)).where(PostRevision.post_id == post_id)) == 0
        assert db.session.scalar(select(func.count(Reaction.id)).where(Reaction.post_id == post_id)) == 0
    flag = db.session.scalar(select(ModerationFlag).where(ModerationFlag.post_id == scene.tess_reply.id))
    assert flag.sentences == [] and flag.label == "clinic_promotion"
    assert not any("Sunrise" in r for r in flag.reasons)
    edit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "edit"))
    assert edit.before["body"] == "[erased]" and edit.after["body"] == "[erased]" and edit.action == "edit"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "erase_post_text")) is not None
    # the thread lives on, Ben's quote keeps the words
    assert "numbness in my left hand" in db.session.get(Post, scene.ben_quote.id).body
    assert retention.purge(now=utcnow() + timedelta(days=32)).as_dict()["deleted_posts"] == 0


def test_her_names_stay_reserved_without_leading_to_the_deleted_profile(app, scene, login):
    from forum.privacy import identity

    client = login(scene.tess)
    identity.change_username(db.session.get(User, scene.tess.id), "Tessa", PASSWORD)
    assert delete_via_form(client, "keep").status_code == 302
    visitor = FormClient(app.test_client())
    for name in ("Tess", "Tessa"):
        assert visitor.get(f"/u/{name}").status_code == 404
        response = visitor.post_form("/register", {"username": name, "email": f"{name}@example.net"})
        assert response.status_code == 400 and "reserved" in response.get_data(as_text=True)


def test_nobody_can_register_a_deleted_member_name(client, ctx):
    response = client.post_form("/register", {"username": "deleted-member-7", "email": "x@example.org"})
    assert response.status_code == 400 and "kept for deleted accounts" in response.get_data(as_text=True)


def test_the_email_address_is_free_again(app, scene, login):
    assert delete_via_form(login(scene.tess), "remove").status_code == 302
    client = FormClient(app.test_client())
    client.post_form("/register", {"username": "NewStart", "email": "tess@example.org"})
    link = link_in(mails_to(app, "tess@example.org")[-1], "/register/")
    response = client.post_form(link, {"password": PASSWORD, "confirm": PASSWORD}, token_page=link)
    assert response.status_code == 302


def test_deletion_is_one_transaction(scene, monkeypatch):
    """A failure halfway leaves everything as it was: no half-deleted account."""
    from forum.privacy import deletion

    before_bodies = {p: texts_everywhere(p) for p in (scene.ben_quote.id, scene.ben_nested.id)}
    before_audit = [(e.id, e.note) for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(deletion, "_release_names", boom)
    tess = db.session.get(User, scene.tess.id)
    with pytest.raises(RuntimeError):
        deletion.delete_account(tess, PASSWORD, "remove")
    db.session.expire_all()
    tess = db.session.get(User, scene.tess.id)
    assert tess.username == "Tess" and tess.email == "tess@example.org" and tess.password_hash
    assert db.session.scalar(select(func.count(AccountDeletion.id))) == 0
    assert db.session.get(Thread, scene.story.id).title == "My relapse story"
    assert db.session.get(Post, scene.first.id).deleted_at is None
    assert {p: texts_everywhere(p) for p in before_bodies} == before_bodies
    assert [(e.id, e.note) for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == before_audit
    assert db.session.scalar(select(func.count()).select_from(Notification).where(Notification.user_id == tess.id)) > 0
    assert db.session.execute(text("SELECT count(*) FROM audit_redaction_grants")).scalar() == 0


def test_the_only_admin_must_hand_over_first(ctx, login):
    admin = create_user("Solo", role="admin")
    client = login(admin)
    assert "only admin" in client.get("/settings/delete").get_data(as_text=True)
    response = delete_via_form(client, "keep")
    assert response.status_code == 400
    assert db.session.get(User, admin.id).username == "Solo"
    create_user("Second", role="admin")
    assert delete_via_form(client, "keep").status_code == 302


def test_the_deleted_member_cannot_come_back_through_an_old_session_or_reset(app, scene, login):
    client = login(scene.tess)
    assert delete_via_form(client, "keep").status_code == 302
    FormClient(app.test_client()).post_form("/reset", {"email": "tess@example.org"})
    from tests.privacy.conftest import mails_to

    assert mails_to(app, "tess@example.org") == []
