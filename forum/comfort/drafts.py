"""Drafts that are never lost: per member, per thread (a reply) or per category (a new thread).

Saved when "Save draft" is pressed, every few seconds while typing (static/js/drafts.js), and
whenever a form arrives that cannot be posted as it is (an expired session, a stale CSRF token).
Posting or discarding removes the draft, and a save that arrives after its text was posted from the same
form (the page's last autosave racing the post) is dropped, so a published post never comes back as a draft. A draft is only ever read by its own member: every
query here filters on user_id, and pending drafts (no member yet) are found only through the
hash of a random token that lives in one browser's cookie.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterable

from flask import current_app, url_for
from sqlalchemy import delete, func, select

from forum.comfort.models import Draft
from forum.extensions import db
from forum.models import Category, Post, Thread, User, utcnow
from forum.text import bad_text_reason

PENDING_MAX_AGE = timedelta(days=7)
PENDING_PER_BROWSER = 5


class DraftError(ValueError):
    """The text cannot be kept as a draft; the message says why."""


@dataclass(frozen=True)
class Target:
    """What a draft is for: a reply to a thread, or a new thread in a category."""

    kind: str  # "thread" or "category"
    id: int

    @classmethod
    def thread(cls, thread_id: int) -> "Target":
        return cls("thread", int(thread_id))

    @classmethod
    def category(cls, category_id: int) -> "Target":
        return cls("category", int(category_id))

    @classmethod
    def of(cls, draft: Draft) -> "Target":
        return cls.thread(draft.thread_id) if draft.thread_id is not None else cls.category(draft.category_id)

    @classmethod
    def parse(cls, value: Any) -> "Target | None":
        """'thread:12' or 'category:3' (what drafts.js sends) -> Target, or None."""
        kind, _, number = str(value or "").partition(":")
        if kind not in ("thread", "category") or not number.isdigit() or len(number) > 12:
            return None
        return cls(kind, int(number))

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    def columns(self) -> dict[str, int | None]:
        return {"thread_id": self.id if self.kind == "thread" else None,
                "category_id": self.id if self.kind == "category" else None}

    def where(self):
        return Draft.thread_id == self.id if self.kind == "thread" else Draft.category_id == self.id

    def form_url(self, draft_id: int | None = None) -> str:
        args = {"draft": draft_id} if draft_id else {}
        if self.kind == "thread":
            return url_for("boards.reply", thread_id=self.id, **args)
        category = db.session.get(Category, self.id)
        return url_for("boards.new_thread", slug=category.slug, **args) if category else url_for("boards.index")


def _clean(title: str | None, body: str | None) -> tuple[str, str]:
    """Keep the text exactly as typed (only line endings normalised), within the configured limits."""
    title, body = (title or "").replace("\r\n", "\n"), (body or "").replace("\r\n", "\n")
    title_limit = current_app.config["MAX_TITLE_LENGTH"]
    body_limit = current_app.config["MAX_BODY_BYTES"]
    if len(title) > title_limit + 100:
        raise DraftError(f"The title is {len(title)} characters long; a draft keeps at most {title_limit + 100}.")
    size = len(body.encode("utf-8", "surrogatepass"))
    if size > body_limit:
        raise DraftError(f"The text is {size:,} bytes; the limit is {body_limit:,} bytes, so it was not saved. "
                         "Copy it somewhere safe and shorten it.")
    for value in (title, body):
        if reason := bad_text_reason(value):
            raise DraftError(f"The text {reason}")
    return title[:300], body


def has_text(title: str | None, body: str | None) -> bool:
    return bool((title or "").strip() or (body or "").strip())


# --------------------------------------------------------------------------- a member's drafts

def get_own(user: User, draft_id: Any) -> Draft | None:
    """The member's draft with that id (anything else, another member's included, is None)."""
    if not str(draft_id or "").isdigit() or len(str(draft_id)) > 12:
        return None
    return db.session.scalar(select(Draft).where(Draft.id == int(draft_id), Draft.user_id == user.id))


def latest_for(user: User, target: Target) -> Draft | None:
    return db.session.scalar(select(Draft).where(Draft.user_id == user.id, target.where())
                             .order_by(Draft.updated_at.desc(), Draft.id.desc()).limit(1))


def for_form(user: User, target: Target, draft_id: Any = None) -> Draft | None:
    """The draft a form opens with: the one asked for (if it is the member's, for this target), else the latest."""
    draft = get_own(user, draft_id)
    if draft is not None and Target.of(draft) == target:
        return draft
    return latest_for(user, target)


def already_posted(user: User, submission: Any, body: str) -> bool:
    """Whether this text went out as a post from the form carrying this one-time submission token."""
    if not isinstance(submission, str) or not submission or len(submission) > 64:
        return False
    posted = db.session.scalar(select(Post.body).where(Post.author_id == user.id, Post.submission_key == submission))
    return posted is not None and posted == body


def save(user: User, target: Target, title: str | None, body: str | None, draft_id: Any = None,
         submission: Any = None) -> Draft | None:
    """Save the text into the form's draft (or the latest for the target, or a new one).

    None if empty, or if the text was already posted from this form (``submission``): checked before
    writing and again after, so a save racing the post cannot leave a draft whatever order they commit in.
    """
    title, body = _clean(title, body)
    if not has_text(title, body) or already_posted(user, submission, body):
        return None
    draft = for_form(user, target, draft_id)
    if draft is None:
        draft = Draft(user_id=user.id, **target.columns(), created_at=utcnow())
        db.session.add(draft)
    draft.title, draft.body, draft.updated_at = title, body, utcnow()
    db.session.commit()
    if already_posted(user, submission, body):
        db.session.delete(draft)
        db.session.commit()
        return None
    return draft


def keep_version(user: User, target: Target, title: str | None, body: str | None) -> Draft | None:
    """Keep text that arrived in an unusual way (stale form, pending after login) without overwriting
    anything: reuse the latest draft only when it already holds exactly this text."""
    title, body = _clean(title, body)
    if not has_text(title, body):
        return None
    latest = latest_for(user, target)
    if latest is not None and latest.body == body and latest.title == title:
        latest.updated_at = utcnow()
        db.session.commit()
        return latest
    draft = Draft(user_id=user.id, **target.columns(), title=title, body=body, created_at=utcnow(), updated_at=utcnow())
    db.session.add(draft)
    db.session.commit()
    return draft


def discard(user: User, draft: Draft) -> None:
    if draft.user_id != user.id:
        raise DraftError("That draft is not yours.")
    db.session.delete(draft)
    db.session.commit()


def remove_posted(user: User, target: Target, draft_id: Any, body: str | None = None) -> None:
    """After a post went out: remove the draft it was written in, and any other copy of the same text."""
    draft = get_own(user, draft_id)
    if draft is not None and Target.of(draft) == target:
        db.session.delete(draft)
    if body is not None:
        db.session.execute(delete(Draft).where(Draft.user_id == user.id, target.where(),
                                               Draft.body == body.replace("\r\n", "\n")))
    db.session.commit()


def list_for(user: User) -> list[Draft]:
    return list(db.session.scalars(select(Draft).where(Draft.user_id == user.id)
                                   .order_by(Draft.updated_at.desc(), Draft.id.desc())))


def count_for(user: User) -> int:
    return db.session.scalar(select(func.count(Draft.id)).where(Draft.user_id == user.id)) or 0


# --------------------------------------------------------------------------- pending: no member yet

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def stash_pending(target: Target, title: str | None, body: str | None) -> str | None:
    """Keep text posted by someone whose session had ended; returns the token for their cookie."""
    title, body = _clean(title, body)
    if not has_text(title, body):
        return None
    db.session.execute(delete(Draft).where(Draft.user_id.is_(None), Draft.updated_at < utcnow() - PENDING_MAX_AGE))
    if target.kind == "thread" and db.session.get(Thread, target.id) is None:
        return None
    if target.kind == "category" and db.session.get(Category, target.id) is None:
        return None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(Draft(user_id=None, **target.columns(), title=title, body=body, claim_hash=_hash(token),
                         created_at=now, updated_at=now))
    db.session.commit()
    return token


def claim_pending(user: User, tokens: Iterable[str]) -> list[Draft]:
    """After logging in again: pending text kept in this browser becomes the member's drafts."""
    hashes = [_hash(t) for t in list(tokens)[:PENDING_PER_BROWSER] if t]
    if not hashes:
        return []
    pending = list(db.session.scalars(select(Draft).where(
        Draft.claim_hash.in_(hashes), Draft.user_id.is_(None), Draft.updated_at >= utcnow() - PENDING_MAX_AGE)))
    claimed = []
    for row in pending:
        target, title, body = Target.of(row), row.title, row.body
        db.session.delete(row)
        db.session.flush()
        draft = keep_version(user, target, title, body)
        if draft is not None:
            claimed.append(draft)
    db.session.commit()
    return claimed
