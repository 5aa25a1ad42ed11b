"""Everything a moderator or admin can do, each in one transaction with its audit entry.

Decisions on a post (approve, hide, restore) resolve every open signal on it at once: the
classifier's flags become labels (confirmed or rejected, per label), member reports are upheld
or dismissed, an open appeal is granted or denied and its author told. The other actions
(edit, context note, lock, warn, suspend, ban, and their reversals) never resolve signals.

Rules enforced here, whatever the route: only moderators and admins act; moderators never act
on admins (their posts, threads or accounts), never suspend, ban or warn another moderator,
and never decide on their own posts. Every check runs before the first change, so a refused
action leaves nothing behind.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Iterable

from flask import current_app
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, Thread, User, utcnow
from forum.notifications import announce_post, notify
from forum.text import clause, plural, sentence
from moderation import audit
from moderation.models import (
    HIDE_REASONS,
    LABELS,
    REPORT_REASON_LABEL,
    Appeal,
    Decision,
    LabelDecision,
    ModerationFlag,
    Report,
)


class ActionError(ValueError):
    """The action cannot be done; the message is shown to the moderator."""

    status = 400


class ActionForbidden(ActionError):
    status = 403


class ActionConflict(ActionError):
    status = 409


@dataclass
class Signals:
    """What is open on a post: the reasons it is in the queue."""

    flags: list[ModerationFlag] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    appeals: list[Appeal] = field(default_factory=list)
    held: bool = False

    @property
    def reasons(self) -> list[str]:
        out = [f.label for f in sorted(self.flags, key=lambda f: LABELS.index(f.label) if f.label in LABELS else 99)]
        if self.reports:
            out.append("report")
        if self.held:
            out.append("held")
        if self.appeals:
            out.append("appeal")
        return out

    @property
    def any(self) -> bool:
        return bool(self.flags or self.reports or self.appeals or self.held)

    def suggested_labels(self) -> set[str]:
        """Labels a hide confirms by default: flagged ones and those members reported."""
        labels = {f.label for f in self.flags}
        labels |= {REPORT_REASON_LABEL[r.reason] for r in self.reports if r.reason in REPORT_REASON_LABEL}
        return labels

    def suggested_reason(self) -> str:
        if self.flags:
            return max(self.flags, key=lambda f: f.score).label
        reasons = [r.reason for r in self.reports if r.reason in HIDE_REASONS]
        if reasons:
            return max(set(reasons), key=reasons.count)
        return "other"


def open_signals(post: Post) -> Signals:
    return Signals(
        flags=list(db.session.scalars(select(ModerationFlag).where(
            ModerationFlag.post_id == post.id, ModerationFlag.resolved_at.is_(None)).order_by(ModerationFlag.label))),
        reports=list(db.session.scalars(select(Report).where(
            Report.post_id == post.id, Report.resolved_at.is_(None)).order_by(Report.created_at))),
        appeals=list(db.session.scalars(select(Appeal).where(
            Appeal.post_id == post.id, Appeal.status == "open").order_by(Appeal.created_at))),
        held=post.moderation_state == "held" and post.deleted_at is None,
    )


def latest_decision(post_id: int) -> Decision | None:
    return db.session.scalar(select(Decision).where(Decision.post_id == post_id)
                             .order_by(Decision.created_at.desc(), Decision.id.desc()).limit(1))


def latest_verdicts(post_id: int) -> dict[str, str]:
    rows = db.session.scalars(select(LabelDecision).where(LabelDecision.post_id == post_id)
                              .order_by(LabelDecision.created_at, LabelDecision.id))
    return {row.label: row.verdict for row in rows}


# ---- permission checks (all raise before any change) ----

def _require_staff(actor: User) -> None:
    if actor is None or not getattr(actor, "is_moderator", False):
        raise ActionForbidden("Only moderators and admins can do this.")


def check_post_action(actor: User, post: Post, decision: bool = False) -> None:
    _require_staff(actor)
    if post.author.is_admin and not actor.is_admin:
        raise ActionForbidden("Only an admin can act on an admin's post.")
    if decision and post.author_id == actor.id and not actor.is_admin:
        raise ActionForbidden("You cannot decide on your own post; another moderator will.")


def check_user_action(actor: User, target: User) -> None:
    _require_staff(actor)
    if target.id == actor.id:
        raise ActionForbidden("You cannot do this to your own account.")
    if target.is_admin and not actor.is_admin:
        raise ActionForbidden("Only an admin can act on an admin's account.")
    if target.role == "moderator" and not actor.is_admin:
        raise ActionForbidden("Only an admin can warn, suspend or ban a moderator.")


def can_act_on_post(actor: User, post: Post, decision: bool = False) -> bool:
    try:
        check_post_action(actor, post, decision)
    except ActionError:
        return False
    return True


def can_act_on_user(actor: User, target: User) -> bool:
    try:
        check_user_action(actor, target)
    except ActionError:
        return False
    return True


def _check_seen(post: Post, seen: int | None) -> None:
    """Refuse a decision made on a stale view: someone else decided since the page was loaded."""
    if seen is None:
        return
    current = latest_decision(post.id)
    if (current.id if current else 0) != seen:
        who = current.moderator.username if current and current.moderator else "the system"
        raise ActionConflict(
            f"Another decision was made on this post while you were reading it ({current.action} by {who}). "
            "Look at it again before deciding."
        )


def _note(note: str | None) -> str:
    note = (note or "").strip()
    limit = current_app.config["MODERATION_NOTE_MAX_LENGTH"]
    if len(note) > limit:
        raise ActionError(f"The note is {len(note)} characters long; the limit is {limit}.")
    return note


def lock_post(post: Post) -> Post:
    """Re-read the post under a row lock (PostgreSQL) so two moderators' decisions queue up."""
    return db.session.execute(
        select(Post).where(Post.id == post.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _title(post: Post) -> str:
    return post.thread.title


# ---- decisions ----

def _record_labels(decision: Decision, post: Post, actor: User | None, verdicts: dict[str, str],
                   flags: Iterable[ModerationFlag]) -> None:
    """One LabelDecision per judged label; open flags for those labels are resolved with the verdict."""
    now = decision.created_at
    by_label = {f.label: f for f in flags}
    all_flags = {f.label: f for f in db.session.scalars(select(ModerationFlag).where(ModerationFlag.post_id == post.id))}
    for label in sorted(verdicts):
        verdict = verdicts[label]
        flag = by_label.get(label) or all_flags.get(label)
        earlier = flag is not None and db.session.scalar(
            select(LabelDecision.id).where(LabelDecision.flag_id == flag.id).limit(1)) is not None
        db.session.add(LabelDecision(
            decision=decision, post_id=post.id, flag_id=flag.id if flag else None,
            moderator_id=actor.id if actor else None, label=label, verdict=verdict,
            score=flag.score if flag else None, model_version=flag.model_version if flag else None,
            flagged_at=(flag.updated_at if earlier else flag.created_at) if flag else None, created_at=now,
        ))
        if flag is not None:
            flag.resolved_at, flag.outcome = now, verdict


def _new_decision(post: Post, actor: User | None, action: str, signals: Signals, note: str,
                  reason: str | None = None, appealable: bool = False) -> Decision:
    decision = Decision(post_id=post.id, moderator_id=actor.id if actor else None, action=action, reason=reason,
                        note=note, signals=signals.reasons, was_held=signals.held, appealable=appealable,
                        created_at=utcnow())
    db.session.add(decision)
    return decision


def _close_reports_and_appeals(signals: Signals, decision: Decision, actor: User | None, report_outcome: str,
                               appeal_status: str) -> None:
    for report in signals.reports:
        report.resolved_at, report.outcome, report.decision = decision.created_at, report_outcome, decision
    for appeal in signals.appeals:
        appeal.status, appeal.resolved_at = appeal_status, decision.created_at
        appeal.resolver_id = actor.id if actor else None
        appeal.outcome_decision = decision


def _parse_labels(labels: Iterable[str] | None) -> set[str] | None:
    if labels is None:
        return None
    labels = set(labels)
    unknown = labels - set(LABELS)
    if unknown:
        raise ActionError(f"Unknown label {sorted(unknown)[0]!r}; use {' or '.join(LABELS)}.")
    return labels


def approve(actor: User, post: Post, note: str = "", labels_confirmed: Iterable[str] | None = None,
            seen: int | None = None, commit: bool = True, action: str = "approve") -> Decision:
    """Not a problem: resolve every open signal, show the post if it was held or hidden.

    ``labels_confirmed`` lists labels that are right even so (a post kept with a context note);
    every other flagged label is recorded as rejected.
    """
    check_post_action(actor, post, decision=True)
    note = _note(note)
    confirmed = _parse_labels(labels_confirmed) or set()
    post = lock_post(post)
    _check_seen(post, seen)
    signals = open_signals(post)
    was_hidden = post.hidden_at is not None
    if action == "restore" and not was_hidden:
        raise ActionError("This post is not hidden, so there is nothing to restore.")
    if action == "approve" and not (signals.any or was_hidden):
        raise ActionError("Nothing about this post is waiting for a decision.")
    if post.deleted_at is not None:
        raise ActionError("The author deleted this post; there is nothing to decide.")
    before = audit.post_state(post)
    judged = {f.label for f in signals.flags} | confirmed
    if was_hidden:  # labels an earlier hide confirmed are now rejected
        judged |= {label for label, verdict in latest_verdicts(post.id).items() if verdict == "confirmed"}
    decision = _new_decision(post, actor, action, signals, note)
    _record_labels(decision, post, actor, {label: "confirmed" if label in confirmed else "rejected" for label in judged},
                   signals.flags)
    _close_reports_and_appeals(signals, decision, actor, "dismissed", "granted")
    if was_hidden or signals.held or post.moderation_state == "flagged":
        post.search_dirty = True
    post.hidden_at = post.hidden_reason = None
    if post.moderation_state in ("held", "flagged"):
        post.moderation_state = "clean"
    post.moderated_at = decision.created_at
    if was_hidden or signals.held:
        announce_post(post, first_time=True)  # held or hidden, it was never announced (or only once: no repeats)
    if signals.appeals:
        notify(post.author_id, "appeal_outcome",
               f"Your appeal was accepted: your post in “{_title(post)}” is visible again.", post=post, actor_id=actor.id)
    elif was_hidden or signals.held:
        notify(post.author_id, "moderation_restored",
               f"A moderator reviewed your post in “{_title(post)}”: it is visible to everyone "
               + ("again." if was_hidden else "now."), post=post, actor_id=actor.id)
    audit.record(actor, action, post=post, note=note, before=before, after=audit.post_state(post))
    if commit:
        db.session.commit()
    return decision


def restore(actor: User, post: Post, note: str = "", labels_confirmed: Iterable[str] | None = None,
            seen: int | None = None, commit: bool = True) -> Decision:
    """Undo a hide: back in public view; labels the hide confirmed become rejected unless kept."""
    return approve(actor, post, note, labels_confirmed, seen, commit, action="restore")


def hide(actor: User, post: Post, reason: str | None = None, note: str = "",
         labels_confirmed: Iterable[str] | None = None, seen: int | None = None, commit: bool = True) -> Decision:
    """Off public view, kept: the author sees it in place with the reason and may appeal once.

    ``labels_confirmed`` (default: the flagged labels and the labels members reported) are recorded
    as confirmed; flagged labels left out are rejected.
    """
    check_post_action(actor, post, decision=True)
    note = _note(note)
    labels = _parse_labels(labels_confirmed)
    if post.deleted_at is not None:
        raise ActionError("The author deleted this post; it is already out of view.")
    post = lock_post(post)
    _check_seen(post, seen)
    signals = open_signals(post)
    reason = reason or signals.suggested_reason()
    if reason not in HIDE_REASONS:
        raise ActionError(f"Unknown reason {reason!r}; use one of {', '.join(HIDE_REASONS)}.")
    if post.hidden_at is not None and not signals.any:
        raise ActionError("This post is already hidden.")
    if labels is None:
        labels = signals.suggested_labels() | ({reason} if reason in LABELS else set())
    before = audit.post_state(post)
    decision = _new_decision(post, actor, "hide", signals, note, reason=reason, appealable=not signals.appeals)
    verdicts = {f.label: "rejected" for f in signals.flags} | {label: "confirmed" for label in labels}
    _record_labels(decision, post, actor, verdicts, signals.flags)
    _close_reports_and_appeals(signals, decision, actor, "upheld", "denied")
    text = clause(HIDE_REASONS[reason] + (f". {note}" if note else ""))
    post.hidden_at = post.hidden_at or decision.created_at
    post.hidden_reason = text
    if post.moderation_state == "held":
        post.moderation_state = "flagged"
    post.moderated_at, post.search_dirty = decision.created_at, True
    if signals.appeals:
        notify(post.author_id, "appeal_outcome",
               f"Your appeal about your post in “{_title(post)}” was reviewed: it stays hidden. Reason: {sentence(text)}",
               post=post, actor_id=actor.id)
    else:
        notify(post.author_id, "moderation_hidden",
               f"A moderator hid your post in “{_title(post)}”. Reason: {sentence(text)} You can appeal from the post.",
               post=post, actor_id=actor.id)
    audit.record(actor, "hide", post=post, note=note, before=before, after=audit.post_state(post))
    if commit:
        db.session.commit()
    return decision


def auto_hide(post: Post, reporters: int) -> Decision:
    """Member reports reached the threshold: hide until a moderator decides (no commit)."""
    signals = open_signals(post)
    before = audit.post_state(post)
    decision = _new_decision(post, None, "auto_hide", signals, f"{reporters} members reported this post.",
                             reason="other", appealable=True)
    post.hidden_at = decision.created_at
    post.hidden_reason = "Reported by several members; hidden until a moderator reviews it"
    post.search_dirty = True
    notify(post.author_id, "moderation_hidden",
           f"Your post in “{_title(post)}” was hidden after reports from members until a moderator reviews it. "
           "You can appeal from the post.", post=post)
    audit.record(None, "auto_hide", post=post, note=decision.note, before=before, after=audit.post_state(post))
    return decision


def notice_held(post: Post) -> None:
    """For the worker: log the hold and tell the author their post waits for review (in the worker's transaction)."""
    audit.record(None, "hold", post=post, before={"moderation_state": "pending"}, after={"moderation_state": "held"})
    notify(post.author_id, "moderation_held",
           f"Your post in “{_title(post)}” is waiting for a moderator before others can see it. "
           "You can appeal from the post if you think this is a mistake.", post=post)


# ---- bulk ----

@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def bulk(actor: User, post_ids: Iterable[int], action: str, note: str = "") -> BulkResult:
    """Approve or hide several items in one transaction; items that cannot be done are skipped, named."""
    _require_staff(actor)
    if action not in ("approve", "hide"):
        raise ActionError("Bulk actions are approve and hide.")
    ids = list(dict.fromkeys(post_ids))
    if not ids:
        raise ActionError("Select at least one item first.")
    if len(ids) > 100:
        raise ActionError("Select at most 100 items at a time.")
    note = _note(note)
    posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(ids)))}
    result = BulkResult()
    for post_id in ids:
        post = posts.get(post_id)
        if post is None:
            result.skipped.append((post_id, "no such post"))
            continue
        try:
            (approve if action == "approve" else hide)(actor, post, note=note, commit=False)
        except ActionError as exc:
            result.skipped.append((post_id, str(exc)))
        else:
            result.done.append(post_id)
    db.session.commit()
    return result


# ---- post actions that are not decisions ----

def edit(actor: User, post: Post, body: str, title: str | None = None, note: str = "") -> Post:
    """Edit as a moderator: a revision is kept, the author is told, the post is scored again."""
    from forum.boards import service

    check_post_action(actor, post)
    note = _note(note)
    if post.deleted_at is not None:
        raise ActionError("The author deleted this post; it cannot be edited.")
    new_body = (body or "").replace("\r\n", "\n")
    new_title = title if post.number == 1 else None
    if new_body == post.body and (new_title is None or " ".join(new_title.split()) == post.thread.title):
        raise ActionError("Nothing changed; edit the text before saving.")
    before = audit.post_state(post)
    after = dict(before, revision_count=post.revision_count + 1, moderation_state="pending")
    if post.author_id != actor.id:
        notify(post.author_id, "moderation_edited",
               f"A moderator edited your post in “{_title(post)}”" + (f": {note}" if note else "."),
               post=post, actor_id=actor.id)
    audit.record(actor, "edit", post=post, note=note, before=dict(before, body=post.body),
                 after=dict(after, body=new_body))
    try:
        service.edit_post(actor, post, new_body, new_title)  # commits the edit, the revision and the entry
    except service.BoardError as exc:
        db.session.rollback()
        raise ActionError(str(exc)) from exc
    return post


def set_context_note(actor: User, post: Post, text: str, note: str = "") -> Post:
    """A moderator note shown under the post to everyone; empty text removes it."""
    check_post_action(actor, post)
    note = _note(note)
    text = " ".join((text or "").split())
    limit = current_app.config["MODERATION_NOTE_MAX_LENGTH"]
    if len(text) > limit:
        raise ActionError(f"The context note is {len(text)} characters long; the limit is {limit}.")
    if (text or None) == post.context_note:
        raise ActionError("The context note is already like that.")
    before = audit.post_state(post)
    post.context_note = text or None
    post.search_dirty = True
    audit.record(actor, "context_note" if text else "clear_context_note", post=post, note=note,
                 before=before, after=audit.post_state(post))
    db.session.commit()
    return post


def set_locked(actor: User, post: Post, locked: bool, note: str = "") -> Thread:
    """Lock or unlock the post's thread (no new replies; moderators still can)."""
    check_post_action(actor, post)
    thread = post.thread
    if thread.author.is_admin and not actor.is_admin:
        raise ActionForbidden("Only an admin can lock or unlock an admin's thread.")
    note = _note(note)
    if thread.locked == locked:
        raise ActionError("The thread is already locked." if locked else "The thread is not locked.")
    before = audit.post_state(post)
    thread.locked = locked
    audit.record(actor, "lock" if locked else "unlock", post=post, note=note, before=before,
                 after=audit.post_state(post))
    db.session.commit()
    return thread


# ---- actions on members ----

def warn(actor: User, target: User, message: str, post: Post | None = None) -> None:
    """A private message from the moderators, shown in the member's notifications."""
    check_user_action(actor, target)
    message = _note(message)
    if not message:
        raise ActionError("Write the warning the member will read.")
    before = audit.user_state(target)
    notify(target.id, "moderation_warning", f"A message from the moderators: {message}", post=post, actor_id=actor.id)
    audit.record(actor, "warn", post=post, user=target, note=message, before=before, after=audit.user_state(target))
    db.session.commit()


def suspend(actor: User, target: User, days: int, note: str = "", post: Post | None = None) -> None:
    """No posting, reacting or reporting for ``days`` days; reading still works."""
    check_user_action(actor, target)
    note = _note(note)
    limit = current_app.config["MODERATION_MAX_SUSPEND_DAYS"]
    if not isinstance(days, int) or not 1 <= days <= limit:
        raise ActionError(f"Suspend for 1 to {plural(limit, 'day')}.")
    if target.banned_at is not None:
        raise ActionError("This member is banned; lift the ban first.")
    before = audit.user_state(target)
    target.suspended_until = utcnow() + timedelta(days=days)
    notify(target.id, "moderation_suspended",
           f"Your account is suspended for {days} day{'s' if days != 1 else ''}, until "
           f"{target.suspended_until:%d %B %Y %H:%M} UTC: you can read but not post, react or report."
           + (f" Reason: {note}" if note else ""), post=post, actor_id=actor.id)
    audit.record(actor, "suspend", post=post, user=target, note=note, before=before, after=audit.user_state(target))
    db.session.commit()


def unsuspend(actor: User, target: User, note: str = "") -> None:
    check_user_action(actor, target)
    note = _note(note)
    if not target.is_suspended():
        raise ActionError("This member is not suspended.")
    before = audit.user_state(target)
    target.suspended_until = None
    notify(target.id, "moderation_unsuspended", "Your suspension was lifted: you can post again.", actor_id=actor.id)
    audit.record(actor, "unsuspend", user=target, note=note, before=before, after=audit.user_state(target))
    db.session.commit()


def ban(actor: User, target: User, note: str = "", post: Post | None = None) -> None:
    """The member cannot log in, post, react or report; their sessions end now."""
    check_user_action(actor, target)
    note = _note(note)
    if target.banned_at is not None:
        raise ActionError("This member is already banned.")
    before = audit.user_state(target)
    target.banned_at = utcnow()
    target.session_version += 1
    audit.record(actor, "ban", post=post, user=target, note=note, before=before, after=audit.user_state(target))
    db.session.commit()


def unban(actor: User, target: User, note: str = "") -> None:
    check_user_action(actor, target)
    note = _note(note)
    if target.banned_at is None:
        raise ActionError("This member is not banned.")
    before = audit.user_state(target)
    target.banned_at = None
    notify(target.id, "moderation_unbanned", "Your ban was lifted: welcome back.", actor_id=actor.id)
    audit.record(actor, "unban", user=target, note=note, before=before, after=audit.user_state(target))
    db.session.commit()
