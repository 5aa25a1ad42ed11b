"""What the reply and new-thread forms do besides posting, so that no text is ever lost.

Those two views are exempt from the global CSRF check and check the token themselves, here:
- logged out (the session expired): if the form's CSRF token is valid for this browser's session,
  the text is kept as a pending draft tied to a random token in a cookie (a cross-site POST, without
  that token, keeps nothing), then the member is sent to log in; once logged in the text is their draft and waits in
  the form. Nothing is published without a new, CSRF-protected press of the post button.
- logged in but the token is stale (a restored tab, a session renewed by "remember me"): the text is
  kept as a new draft (never overwriting one) and shown again in the form with a fresh token.
  Without any token the request did not come from the forum's form: refused, nothing kept.
- "Save draft" (name="save_draft"): saved, back to the form. Only with a valid token.
A valid token and the post button: the route posts as before, then calls `posted()`.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from flask import after_this_request, current_app, flash, redirect, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response
from wtforms import ValidationError

from forum.comfort import drafts
from forum.comfort.drafts import DraftError, Target
from forum.extensions import db, login_manager
from forum.models import User

PENDING_COOKIE = "pending_post"
SUBMISSION_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
STALE_NOTICE = ("The form expired (your session ended, or the page was open for a long time), so nothing was "
                "posted yet. Your text is safe: it is below and saved in your drafts. Press the button again to post it.")


def csrf_problem() -> str | None:
    """Why the form's CSRF token is not accepted, or None when it is."""
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as exc:
        return str(exc.args[0]) if exc.args else "The CSRF token is invalid."
    return None


def submission_token() -> str:
    """The form's one-time token: the one it was sent with (a form shown again keeps it), else a new one."""
    sent = request.form.get("submission", "") if request.method == "POST" else ""
    return sent if SUBMISSION_RE.fullmatch(sent) else secrets.token_urlsafe(24)


def _fields(form: FlaskForm) -> tuple[str, str]:
    title = form.title.data if "title" in form else ""
    return title or "", form.body.data or ""


def pending_tokens() -> list[str]:
    return [t for t in request.cookies.get(PENDING_COOKIE, "").split(".") if t][:drafts.PENDING_PER_BROWSER]


def _set_pending_cookie(response: Response, tokens: list[str]) -> Response:
    if tokens:
        response.set_cookie(PENDING_COOKIE, ".".join(tokens[-drafts.PENDING_PER_BROWSER:]),
                            max_age=int(drafts.PENDING_MAX_AGE.total_seconds()), httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    else:
        response.delete_cookie(PENDING_COOKIE, httponly=True, samesite="Lax")
    return response


def login_to_continue(target: Target) -> Response:
    """A visitor (or a member whose session ended) asked for a posting form, or sent one."""
    if request.method != "POST":
        return login_manager.unauthorized()
    title, body = request.form.get("title", ""), request.form.get("body", "")
    if (problem := csrf_problem()) is not None and drafts.has_text(title, body):
        # Only text sent with this browser's own token is kept: a cross-site POST must not plant
        # words in the next login's drafts. The "form expired" page says the text is still in the form.
        raise CSRFError(problem)
    try:
        token = drafts.stash_pending(target, title, body)
    except DraftError as exc:
        flash(f"You are not logged in any more, and your text could not be kept: {exc}", "error")
        return login_manager.unauthorized()
    if token is None:
        return login_manager.unauthorized()
    noun = "reply" if target.kind == "thread" else "new thread"
    flash(f"Your session had ended, so your {noun} was not posted yet. It is kept safely: log in again "
          "and it will be back in the form, ready to post.", "info")
    response = redirect(url_for("accounts.login", next=target.form_url()))
    return _set_pending_cookie(response, pending_tokens() + [token])


def claim_after_login(user: User) -> None:
    """On the first request after logging in: pending text kept in this browser becomes the member's drafts."""
    tokens = pending_tokens()
    if not tokens:
        return
    claimed = drafts.claim_pending(user, tokens)
    after_this_request(lambda response: _set_pending_cookie(response, []))
    if claimed:
        flash("Welcome back. What you wrote before your session ended is kept in your drafts and is back in its "
              "form: check it, then post it.", "success")


@dataclass
class Compose:
    """The draft side of one request to a posting form."""

    user: User
    target: Target
    form: FlaskForm
    draft: Any = None
    notice: str | None = None
    response: Response | None = None
    ready: bool = False
    failure_status: int | None = None
    submission: str = ""

    @property
    def draft_id(self) -> int | None:
        return self.draft.id if self.draft is not None else None

    def posted(self, body: str | None = None) -> None:
        drafts.remove_posted(self.user, self.target, request.form.get("draft_id"), body)

    def status(self) -> int:
        if self.failure_status is not None:
            return self.failure_status
        return 400 if (self.form.errors or self.notice) else 200

    def keep_text(self, status: int) -> None:
        """Posting failed (the caller rolled back): the text becomes a new draft, never overwriting one."""
        self.failure_status = status
        title, body = _fields(self.form)
        try:
            kept = drafts.keep_version(self.user, self.target, title, body)
        except (DraftError, SQLAlchemyError):
            db.session.rollback()
            return
        if kept is not None:
            self.draft = kept
            flash("Nothing is lost: your text is kept in your drafts and is still in the form below.", "info")

    def error(self, message: str) -> None:
        """Shown on the text field, so the error summary links to it."""
        self.form.body.errors = list(self.form.body.errors or []) + [message]


def begin(user: User, target: Target, form: FlaskForm) -> Compose:
    """Open a posting form with its draft, or deal with a press of "Save draft" or a stale form.

    compose.response set: return it. compose.ready: the token is good and the member pressed post.
    """
    compose = Compose(user, target, form, submission=submission_token())
    if request.method != "POST":
        compose.draft = drafts.for_form(user, target, request.args.get("draft"))
        if compose.draft is not None:
            if "title" in form and not form.title.data:
                form.title.data = compose.draft.title
            form.body.data = compose.draft.body
        return compose
    title, body = _fields(form)
    compose.draft = drafts.for_form(user, target, request.form.get("draft_id"))
    if (problem := csrf_problem()) is not None:
        if not drafts.has_text(title, body) or not request.form.get("csrf_token"):
            # nothing to keep, or no token at all: the forum's own form always carries one, so this
            # was sent from another site and must not plant text in the member's drafts
            raise CSRFError(problem)  # the usual "form expired" (or "not UTF-8") page
        try:
            compose.draft = drafts.keep_version(user, target, title, body) or compose.draft
        except DraftError as exc:
            compose.error(str(exc))
        compose.notice = STALE_NOTICE
        return compose
    if request.form.get("save_draft"):
        try:
            saved = drafts.save(user, target, title, body, request.form.get("draft_id"))
        except DraftError as exc:
            compose.error(str(exc))
            return compose
        if saved is None:
            compose.error("There is nothing to save yet: the form is empty.")
            return compose
        flash("Your draft is saved. It is kept until you post or discard it, even if you log out.", "success")
        compose.response = redirect(target.form_url(saved.id))
        return compose
    compose.ready = True
    return compose
