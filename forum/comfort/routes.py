"""Comfort pages: drafts, reading preferences, the thread summary, read later, keyboard help."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.boards import queries
from forum.boards.forms import ConfirmForm
from forum.comfort import drafts, preferences, read_later, summary
from forum.comfort.drafts import DraftError, Target
from forum.comfort.forms import ReadingForm
from forum.comfort.posting import PENDING_COOKIE, claim_after_login
from forum.extensions import db, limiter
from forum.redirects import safe_target
from forum.models import Category, Thread
from forum.visibility import can_edit_post, can_reply, can_see_post, can_see_thread

bp = Blueprint("comfort", __name__)
AUTOSAVE_RATE = "120 per minute"


@bp.app_context_processor
def _reading_preferences() -> dict:
    return {"reading": preferences.current(), "SUMMARY_MIN_POSTS": summary.WORTH_SUMMARISING}


@bp.before_app_request
def _claim_pending_drafts() -> None:
    if PENDING_COOKIE in request.cookies and request.endpoint != "static" and current_user.is_authenticated:
        claim_after_login(current_user)


def _visible_thread(thread_id: int) -> Thread | None:
    thread = db.session.get(Thread, thread_id)
    if thread is None or not can_see_thread(queries.first_post(thread), current_user):
        return None
    return thread


def _thread_or_404(thread_id: int) -> Thread:
    thread = _visible_thread(thread_id)
    if thread is None:
        abort(404, description="That thread does not exist or is not visible to you.")
    return thread


def _safe_next(default: str) -> str:
    return safe_target(request.values.get("next"), default)


# --------------------------------------------------------------------------- drafts

@bp.route("/drafts")
@login_required
def drafts_page():
    rows = [(d, _draft_place(d)) for d in drafts.list_for(current_user)]
    return render_template("comfort/drafts.html", rows=rows)


def _draft_place(draft) -> dict:
    """Where a draft belongs, as the member may see it: a thread they can still see, or a category."""
    if draft.thread_id is not None:
        thread = _visible_thread(draft.thread_id)
        label = f"Reply to “{thread.title}”" if thread else "Reply to a thread that is no longer available"
        available = thread is not None
    else:
        label, available = f"New thread in {draft.category.name}", True
    return {"label": label, "available": available, "url": Target.of(draft).form_url(draft.id) if available else None}


@bp.route("/drafts/<int:draft_id>/discard", methods=["GET", "POST"])
@login_required
def discard(draft_id: int):
    draft = drafts.get_own(current_user, draft_id)
    if draft is None:
        abort(404, description="That draft does not exist: it may have been posted or discarded already.")
    form = ConfirmForm()
    if form.validate_on_submit():
        drafts.discard(current_user, draft)
        flash("The draft is discarded.", "success")
        return redirect(url_for("comfort.drafts_page"))
    return render_template("comfort/discard.html", draft=draft, place=_draft_place(draft), form=form)


@bp.route("/api/drafts", methods=["POST"])
@limiter.limit(AUTOSAVE_RATE)
def autosave():
    """drafts.js saves here every few seconds while a member types (CSRF token in X-CSRFToken)."""
    if not current_user.is_authenticated:
        return jsonify(error="logged_out", message="Not saved: you are logged out. Your text is still here; "
                       "press the post button and the forum keeps it while you log in again."), 401
    data = request.get_json(silent=True)
    target = Target.parse(data.get("target")) if isinstance(data, dict) else None
    title, body = (data.get("title", ""), data.get("body", "")) if isinstance(data, dict) else (None, None)
    if target is None or not isinstance(title, str) or not isinstance(body, str):
        return jsonify(error="bad_request", message="Send JSON with target, title and body."), 400
    exists = _visible_thread(target.id) if target.kind == "thread" else db.session.get(Category, target.id)
    if exists is None:
        return jsonify(error="not_found", message="That thread or category does not exist."), 404
    try:
        draft = drafts.save(current_user, target, title, body, data.get("draft_id"), data.get("submission"))
    except DraftError as exc:
        return jsonify(error="not_saved", message=f"Not saved: {exc}"), 400
    if draft is None:
        return jsonify(saved=False, message="")
    return jsonify(saved=True, draft_id=draft.id, saved_at=draft.updated_at.isoformat() + "Z",
                   message=f"Draft saved at {draft.updated_at:%H:%M} UTC.")


# --------------------------------------------------------------------------- reading preferences

@bp.route("/reading", methods=["GET", "POST"])
def reading():
    form = ReadingForm(data=asdict(preferences.current()))
    if form.validate_on_submit():
        prefs = preferences.Prefs() if request.form.get("reset") else preferences.Prefs.from_values(form.data)
        if current_user.is_authenticated:
            preferences.save(current_user, prefs)
        where = "for your account and on this device" if current_user.is_authenticated else "on this device"
        flash(f"Your reading preferences are saved {where}.", "success")
        response = redirect(url_for("comfort.reading"))
        response.set_cookie(preferences.COOKIE, prefs.to_cookie(), max_age=preferences.COOKIE_MAX_AGE,
                            samesite="Lax", httponly=True, secure=current_app.config["SESSION_COOKIE_SECURE"])
        return response
    return render_template("comfort/reading.html", form=form), 400 if form.errors else 200


@bp.route("/keyboard")
def keyboard():
    return render_template("comfort/keyboard.html")


# --------------------------------------------------------------------------- summary and read later

@bp.route("/t/<int:thread_id>/summary")
def thread_summary(thread_id: int):
    thread = _thread_or_404(thread_id)
    result = summary.build(thread, current_user)
    posts = [item.post for item in result.items]
    ids = [p.id for p in posts]
    return render_template(
        "comfort/summary.html", thread=thread, summary=result,
        helpful=queries.helpful_counts(ids), mine=queries.marked_helpful(current_user, ids),
        author_posts=queries.post_counts_by_author(list({p.author_id for p in posts})),
        can_reply=can_reply(thread, current_user), can_edit=lambda p: can_edit_post(p, current_user),
        can_see=lambda p: can_see_post(p, current_user),
    )


@bp.route("/read-later")
@login_required
def read_later_page():
    return render_template("comfort/read_later.html", rows=read_later.list_for(current_user), form=ConfirmForm())


@bp.route("/t/<int:thread_id>/read-later", methods=["POST"])
@login_required
def toggle_read_later(thread_id: int):
    thread = _thread_or_404(thread_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    saved = read_later.toggle(current_user, thread)
    flash(f"“{thread.title}” is on your read-later list." if saved
          else f"“{thread.title}” is off your read-later list.", "success")
    return redirect(_safe_next(url_for("boards.thread", thread_id=thread.id, slug=thread.slug)))
