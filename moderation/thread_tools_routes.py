"""Thread tools for moderators (pin, close, move): thin views over moderation.thread_tools."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user

from forum.boards import queries
from forum.extensions import db
from forum.models import Category, Thread
from forum.permissions import moderator_required
from moderation import thread_tools
from moderation.actions import ActionError
from moderation.forms import MoveThreadForm, NoteOnlyForm, PinForm, choices

bp = Blueprint("thread_tools", __name__)


def _thread_or_404(thread_id: int) -> Thread:
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        abort(404, description="That thread does not exist.")
    return thread


def _form_error(form) -> str:
    errors = [e for name, errs in form.errors.items() for e in errs]
    return " ".join(errors) or "The form expired; reload the page and try again."


def _done(thread: Thread, message: str):
    flash(message, "success")
    return redirect(url_for("boards.thread", thread_id=thread.id, slug=thread.slug) + "#thread-tools")


@bp.route("/moderation/thread/<int:thread_id>/<any(pin, unpin):action>", methods=["POST"])
@moderator_required
def pin(thread_id: int, action: str):
    thread = _thread_or_404(thread_id)
    form = PinForm() if action == "pin" else NoteOnlyForm()
    if not form.validate_on_submit():
        abort(400, description=_form_error(form))
    try:
        if action == "pin":
            thread_tools.pin(current_user, thread, thread_tools.unpin_time(form.until.data), form.note.data)
        else:
            thread_tools.unpin(current_user, thread, form.note.data)
    except ActionError as exc:
        db.session.rollback()
        abort(exc.status, description=str(exc))
    return _done(thread, "The thread is pinned to the top of its category." if action == "pin"
                 else "The thread is unpinned.")


@bp.route("/moderation/thread/<int:thread_id>/<any(close, reopen):action>", methods=["POST"])
@moderator_required
def close(thread_id: int, action: str):
    thread = _thread_or_404(thread_id)
    form = NoteOnlyForm()
    if not form.validate_on_submit():
        abort(400, description=_form_error(form))
    try:
        thread_tools.set_closed(current_user, thread, action == "close", form.note.data)
    except ActionError as exc:
        db.session.rollback()
        abort(exc.status, description=str(exc))
    return _done(thread, "The thread is closed: no new replies; posts can still be edited." if action == "close"
                 else "The thread is open for replies again.")


@bp.route("/moderation/thread/<int:thread_id>/move", methods=["POST"])
@moderator_required
def move(thread_id: int):
    thread = _thread_or_404(thread_id)
    form = MoveThreadForm()
    form.category.choices = choices((c.id, c.name) for c in queries.move_targets(thread))
    if not form.validate_on_submit():
        abort(400, description=_form_error(form))
    category = db.session.get(Category, form.category.data)
    try:
        thread_tools.move(current_user, thread, category, form.note.data)
    except ActionError as exc:
        db.session.rollback()
        abort(exc.status, description=str(exc))
    return _done(thread, f"The thread is moved to {category.name}.")
