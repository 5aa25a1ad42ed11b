"""Delete my account: erased in one transaction, with the member's choice about their posts.

What happens (decisions documented here and on /privacy):
- The account: email, password, bio and last-seen time are removed; the username becomes
  "deleted-member-N" (N: the AccountDeletion id, not the user id); every session ends (session_version).
  The role drops to member; the profile's post list is hidden from visitors. The row itself stays, so posts, decisions and audit entries that point at
  it keep pointing at something, which no longer says who it was.
- Posts, "remove": every post is soft-deleted now (moderators can read it for DELETED_POST_RETENTION_DAYS,
  then `forum purge` erases its text and revisions). Threads the member started get a neutral title at
  once (the original stays in the first post's revisions, visible to moderators until the purge), and
  notifications that quoted that title are updated. Replies by others stay readable.
- Posts, "keep": posts stay as they are, under deleted-member-N.
- Quotes: in anyone's post (and every revision of it), the header of a quote of one of the member's
  posts, "> **NAME** [wrote](/t/T#pID):", loses the name ("a former member"), matched by the #pID link
  so old usernames are caught too. The quoted text stays. Revisions are rewritten in place, with no new
  revision, no "edited" mark and no new moderation pass (nothing but the attribution changed), because
  a new revision would leave the name in the older ones, which the history page shows.
- @mentions of the member's names in other people's posts stay as the text they typed, but stop being
  links (in posts and revisions): a link would lead nowhere now, and to whoever takes the name later.
  The member's names (current and recently given up) stay reserved, without any redirect, for
  USERNAME_RESERVATION_DAYS so nobody can pick the name up and inherit those mentions at once.
- Everything private goes: notifications, watches, read markers, reactions, drafts, read-later list,
  reading preferences, hashed login addresses, data exports (files too, after the commit).
- Moderation records keep the action but not the identity: reports the member made keep their reason
  and outcome but lose the note; appeals keep their status but lose their text; the member's names are
  replaced by deleted-member-N in notes of decisions and reports about their posts, in context notes
  on their posts, in other members' notifications about them, and in audit entries that concern them
  (through forum.privacy.redaction, the only sanctioned path into the append-only log). One audit
  entry records the deletion itself.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, false, func, or_, select, update
from werkzeug.security import check_password_hash

from forum.extensions import db
from forum.markup import render_markdown
from forum.models import Notification, Post, PostRevision, Reaction, Subscription, Thread, ThreadRead, User, utcnow
from forum.privacy import redaction
from forum.privacy.identity import DELETED_PREFIX, reserve
from forum.privacy.models import POST_CHOICES, AccountDeletion, DataExport, IpRecord, UsernameReservation
from forum.text import name_key, slugify
from moderation.models import Appeal, AuditEntry, Decision, Report

FORMER_MEMBER = "a former member"
REMOVED_THREAD_TITLE = "A thread started by a former member"
QUOTE_HEADER_RE = re.compile(
    r"^(?P<lead>(?:>[ \t]?)+)\*\*(?P<name>[^*\n]+)\*\*(?P<rest> \[wrote\]\(/t/\d+#p(?P<post>\d+)\):)", re.MULTILINE)
MENTION_LINK_RE = re.compile(r'<a href="/u/(?P<name>[^"<>]+)" class="mention">(?P<text>@[^<]*)</a>')


class DeletionError(ValueError):
    """The account cannot be deleted as asked; the message is shown to the member."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class DeletionResult:
    new_username: str
    posts: str
    own_posts: int = 0
    quotes_rewritten: int = 0
    mentions_unlinked: int = 0
    audit_entries_redacted: int = 0
    files: list[Path] = field(default_factory=list)


def is_deleted(user: User) -> bool:
    return db.session.scalar(select(AccountDeletion.id).where(AccountDeletion.user_id == user.id)) is not None


def deletion_problem(user: User) -> str | None:
    if is_deleted(user):
        return "This account is already deleted."
    if user.is_admin:
        others = db.session.scalar(select(func.count(User.id)).where(
            User.role == "admin", User.id != user.id, User.password_hash.is_not(None))) or 0
        if not others:
            return "You are the only admin. Make another member an admin before deleting your account."
    return None


def delete_account(user: User, password: str, posts: str) -> DeletionResult:
    """Check the password, then erase the account in one transaction (all or nothing)."""
    if not user.password_hash or not check_password_hash(user.password_hash, password or ""):
        raise DeletionError("Your password is not right.", "password")
    if posts not in POST_CHOICES:
        raise DeletionError("Choose what happens to your posts.", "posts")
    problem = deletion_problem(user)
    if problem:
        raise DeletionError(problem)
    try:
        result = erase(user, posts)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for path in result.files:  # files are not transactional: removed once the rows are gone for good
        path.unlink(missing_ok=True)
    return result


def erase(user: User, posts: str) -> DeletionResult:
    """Everything deletion changes, in the caller's transaction (the caller commits or rolls back)."""
    now = utcnow()
    names = _names_of(user, now)
    deletion = AccountDeletion(user_id=user.id, deleted_at=now, posts=posts)
    db.session.add(deletion)
    db.session.flush()
    result = DeletionResult(new_username=_free_deleted_name(deletion.id), posts=posts)
    own_ids = set(db.session.scalars(select(Post.id).where(Post.author_id == user.id)))
    result.own_posts = len(own_ids)
    pattern = redaction.name_pattern(names)

    _own_posts(user, posts, now, pattern, result.new_username)
    result.quotes_rewritten = _rewrite_quotes(own_ids)
    result.mentions_unlinked = _unlink_mentions(names)
    _rewrite_notifications_about(user, pattern)
    result.files = _remove_private_data(user)
    _moderation_records(user, own_ids, pattern, result.new_username)
    _release_names(user, names, now)

    scope = or_(AuditEntry.target_user_id == user.id, AuditEntry.actor_id == user.id,
                AuditEntry.post_id.in_(select(Post.id).where(Post.author_id == user.id)))
    result.audit_entries_redacted = redaction.redact_names(names, result.new_username, scope=scope)
    from moderation import audit

    audit.record(user, "account_deleted", user=user,
                 note=("Account deleted by the member; posts " + ("removed." if posts == "remove" else "kept, anonymised."))
                 + (f" Their name was replaced in {result.audit_entries_redacted} earlier audit entries."
                    if result.audit_entries_redacted else ""))

    user.username, user.username_key = result.new_username, name_key(result.new_username)
    user.email = user.email_key = user.password_hash = None
    user.bio, user.last_seen_at, user.role = "", None, "member"
    # Kept posts stay in their threads, but the profile no longer gathers them for visitors: one list of
    # everything an anonymised member wrote is the easiest way to recognise them.
    user.mention_notifications, user.hide_posts_from_visitors = False, True
    user.session_version += 1
    db.session.flush()
    return result


def _names_of(user: User, now) -> list[str]:
    old = db.session.scalars(select(UsernameReservation.name).where(
        UsernameReservation.user_id == user.id, UsernameReservation.expires_at > now))
    return list(dict.fromkeys([user.username, *old]))


def _free_deleted_name(number: int) -> str:
    name, n = f"{DELETED_PREFIX}{number}", 1
    while db.session.scalar(select(User.id).where(User.username_key == name_key(name))) is not None:
        n += 1
        name = f"{DELETED_PREFIX}{number}-{n}"
    return name


def _own_posts(user: User, posts: str, now, pattern, new_name: str) -> None:
    """Remove or keep the member's posts; either way the search index re-reads them (author name)."""
    for post in db.session.scalars(select(Post).where(Post.author_id == user.id)):
        post.search_dirty = True
        if pattern is not None and post.context_note:
            post.context_note = pattern.sub(new_name, post.context_note)
        if posts == "remove" and post.deleted_at is None:
            post.deleted_at = now
    if posts != "remove":
        return
    started = db.session.scalars(select(Thread).join(Post, Post.thread_id == Thread.id).where(
        Post.number == 1, Post.author_id == user.id))
    for thread in started:
        old_title = thread.title
        thread.title, thread.slug = REMOVED_THREAD_TITLE, slugify(REMOVED_THREAD_TITLE, 80)
        db.session.execute(update(Post).where(Post.thread_id == thread.id).values(search_dirty=True)
                           .execution_options(synchronize_session=False))
        for note in db.session.scalars(select(Notification).where(Notification.thread_id == thread.id)):
            note.message = note.message.replace(f"“{old_title}”", f"“{thread.title}”")


def _rewrite_quotes(own_ids: set[int]) -> int:
    """Quote headers of the member's posts lose the name, in posts and in their revisions."""
    if not own_ids:
        return 0

    def strip_name(match: re.Match) -> str:
        if int(match.group("post")) not in own_ids:
            return match.group(0)
        return f"{match.group('lead')}**{FORMER_MEMBER}**{match.group('rest')}"

    changed = 0
    marker = "[wrote](/t/"
    for model in (Post, PostRevision):
        rows = db.session.execute(select(model.id, model.body).where(model.body.contains(marker))).all()
        for row_id, body in rows:
            new_body = QUOTE_HEADER_RE.sub(strip_name, body)
            if new_body == body:
                continue
            obj = db.session.get(model, row_id)
            obj.body, obj.body_html = new_body, render_markdown(new_body)
            if model is Post:
                obj.search_dirty = True
                changed += 1
    return changed


def _unlink_mentions(names: list[str]) -> int:
    """@name links to the member become plain text in every post and revision (the text stays)."""
    keys = {name_key(n) for n in names}
    changed = 0
    for model in (Post, PostRevision):
        likes = [func.lower(model.body_html).like(f'%href="/u/{n.lower()}"%') for n in names]
        rows = db.session.execute(select(model.id, model.body_html).where(
            model.body_html.contains('class="mention"'), or_(*likes))).all()
        for row_id, html in rows:
            new_html = MENTION_LINK_RE.sub(
                lambda m: m.group("text") if name_key(m.group("name")) in keys else m.group(0), html)
            if new_html != html:
                db.session.get(model, row_id).body_html = new_html
                changed += model is Post
    return changed


def _rewrite_notifications_about(user: User, pattern) -> None:
    """Other members' notifications caused by this member ("Tess replied to ...") lose the name."""
    if pattern is None:
        return
    for note in db.session.scalars(select(Notification).where(
            Notification.actor_id == user.id, Notification.user_id != user.id)):
        message = pattern.sub(FORMER_MEMBER, note.message)
        if message.startswith(FORMER_MEMBER):
            message = message[0].upper() + message[1:]
        note.message = message


def _remove_private_data(user: User) -> list[Path]:
    """Rows that are only the member's own business; returns export files to remove after the commit."""
    from forum.comfort.models import Draft, ReadingPreferences, ReadLater
    from forum.privacy.exports import export_path

    db.session.flush()
    files = [export_path(token) for token in db.session.scalars(
        select(DataExport.token).where(DataExport.user_id == user.id))]
    db.session.execute(update(DataExport).where(DataExport.user_id == user.id).values(notification_id=None)
                       .execution_options(synchronize_session=False))
    for model, column in ((DataExport, DataExport.user_id), (Notification, Notification.user_id),
                          (Subscription, Subscription.user_id), (ThreadRead, ThreadRead.user_id),
                          (Reaction, Reaction.user_id), (Draft, Draft.user_id), (ReadLater, ReadLater.user_id),
                          (ReadingPreferences, ReadingPreferences.user_id), (IpRecord, IpRecord.user_id)):
        db.session.execute(delete(model).where(column == user.id).execution_options(synchronize_session=False))
    db.session.expire_all()
    return files


def _moderation_records(user: User, own_ids: set[int], pattern, new_name: str) -> None:
    for report in db.session.scalars(select(Report).where(Report.reporter_id == user.id)):
        report.note = ""
    for appeal in db.session.scalars(select(Appeal).where(Appeal.author_id == user.id)):
        appeal.text = ""
    if pattern is None:
        return
    about = Decision.post_id.in_(own_ids) if own_ids else false()
    for decision in db.session.scalars(select(Decision).where(or_(about, Decision.moderator_id == user.id))):
        if decision.note:
            decision.note = pattern.sub(new_name, decision.note)
    if own_ids:
        for report in db.session.scalars(select(Report).where(Report.post_id.in_(own_ids))):
            if report.note:
                report.note = pattern.sub(new_name, report.note)


def _release_names(user: User, names: list[str], now) -> None:
    """Old names stop redirecting; every name of the member stays reserved (for nobody) for a while."""
    db.session.execute(update(UsernameReservation).where(UsernameReservation.user_id == user.id)
                       .values(user_id=None).execution_options(synchronize_session=False))
    reserve(user.username, None, now)
