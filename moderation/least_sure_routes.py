"""Moderators' "least sure" list: the posts nearest a threshold, answered yes/no per label (thin routes)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forum.extensions import db
from forum.markup import plain_text
from forum.models import Post
from forum.pagination import make_page
from forum.permissions import moderator_required
from moderation import least_sure
from moderation.actions import ActionError
from moderation.forms import AnswerForm
from moderation.models import LABEL_NAMES, LABELS

bp = Blueprint("least_sure", __name__)


def _render(form: AnswerForm | None = None, error: str | None = None, status: int = 200, failed: int | None = None):
    per_page = current_app.config["MODERATION_QUEUE_PER_PAGE"]
    page = make_page(request.args.get("page"), per_page, least_sure.count_least_sure())
    candidates = least_sure.least_sure(per_page, page.offset)
    forms = {c.post.id: (form if form is not None and c.post.id == failed else _form(c.post.id, formdata=None))
             for c in candidates}
    return render_template("moderation/least_sure.html", candidates=candidates, forms=forms, page=page,
                           labels=LABELS, label_names=LABEL_NAMES, error=error, failed=failed,
                           excerpt=lambda post: plain_text(post.body_html)[:600]), status


def _form(post_id: int, **kwargs) -> AnswerForm:
    """Each post's form has its own prefix, so the many radio buttons on one page keep distinct ids."""
    return AnswerForm(prefix=f"post{post_id}", **kwargs)


@bp.route("/moderation/least-sure")
@moderator_required
def page():
    return _render()


@bp.route("/moderation/least-sure/<int:post_id>", methods=["POST"])
@moderator_required
def answer(post_id: int):
    post = db.session.get(Post, post_id) or abort(404)
    form = _form(post_id)
    if not form.validate_on_submit():
        errors = "; ".join(e for field in form.errors.values() for e in field)
        return _render(form, errors, 400, failed=post_id)
    try:
        least_sure.record_answers(current_user, post, form.answers(), form.note.data or "")
    except ActionError as exc:
        db.session.rollback()
        return _render(form, str(exc), exc.status, failed=post_id)
    marked = [LABEL_NAMES[label].lower() for label, yes in form.answers().items() if yes]
    flash(f"Thank you: post {post.id} answered. " + (f"Marked as {' and '.join(marked)}; it is now in the queue "
          "for a decision." if marked else "Neither label applies; it stays as it is."), "success")
    return redirect(url_for("least_sure.page"))
