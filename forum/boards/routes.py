"""Board pages: categories, thread lists, threads, and posting."""
from __future__ import annotations

from typing import Callable, TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from forum.boards import queries, service
from forum.boards.forms import ConfirmForm, EditForm, ReplyForm, ThreadForm
from forum.comfort import posting, read_later
from forum.comfort.drafts import Target
from forum.extensions import csrf, db, limiter
from forum.models import Category, Post, Thread
from forum.pagination import make_page
from forum.privacy.iphash import account_key
from forum.text import parse_id
from forum.visibility import (
    can_edit_post, can_reply, can_see_post, can_see_thread, redaction_number, reply_refusal,
    is_moderator, shows_in_thread, thread_refusal, visible_revisions,
)

bp = Blueprint("boards", __name__)
T = TypeVar("T")
NOW_WATCHING = ("You're now watching this thread: you'll be notified of replies. "
                "To stop, press “Stop reply notifications” beside the reply box.")


def _post_rate() -> str:
    return current_app.config["RATE_POST"]


def _category_or_404(slug: str) -> Category:
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None:
        abort(404, description=f"There is no category called {slug!r}.")
    return category


def _thread_or_404(thread_id: int) -> Thread:
    thread = db.session.get(Thread, thread_id)
    first = queries.first_post(thread) if thread else None
    if thread is None or not can_see_thread(first, current_user):
        abort(404, description="That thread does not exist or is not visible to you.")
    return thread


def _post_or_404(post_id: int) -> Post:
    post = db.session.get(Post, post_id)
    if post is None or not shows_in_thread(post, current_user):
        abort(404, description="That post does not exist or is not visible to you.")
    _thread_or_404(post.thread_id)
    return post


def _field_error(form, exc: service.BoardError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(exc)]
    else:
        flash(str(exc), "error")


def _write_or_keep(compose: posting.Compose, write: Callable[[], T]) -> T | None:
    """Post; on any failure roll back and keep the member's text in their drafts (then re-raise a bug)."""
    try:
        return write()
    except service.BoardError as exc:
        db.session.rollback()
        _field_error(compose.form, exc)
        compose.keep_text(exc.status)
    except Exception:
        db.session.rollback()
        compose.keep_text(500)
        raise
    return None


@bp.route("/")
def index():
    return render_template("boards/index.html", rows=queries.category_overview(current_user))


@bp.route("/latest")
def latest():
    per_page = current_app.config["THREADS_PER_PAGE"]
    page = make_page(request.args.get("page"), per_page, queries.count_threads(current_user))
    rows = queries.list_threads(current_user, None, page.offset, per_page)
    return render_template("boards/thread_list.html", rows=rows, page=page, category=None)


@bp.route("/c/<slug>")
def category(slug: str):
    category = _category_or_404(slug)
    per_page = current_app.config["THREADS_PER_PAGE"]
    page = make_page(request.args.get("page"), per_page, queries.count_threads(current_user, category))
    rows = queries.list_threads(current_user, category, page.offset, per_page)
    return render_template("boards/thread_list.html", rows=rows, page=page, category=category,
                           start_refusal=thread_refusal(category, current_user))


@bp.route("/c/<slug>/new", methods=["GET", "POST"])
@csrf.exempt  # checked in posting.begin: a stale token or an ended session keeps the text as a draft
@limiter.limit(_post_rate, methods=["POST"])
@limiter.limit(_post_rate, key_func=account_key, methods=["POST"])  # per member too, on any network
def new_thread(slug: str):
    category = _category_or_404(slug)
    if not current_user.is_authenticated:
        return posting.login_to_continue(Target.category(category.id))
    if reason := thread_refusal(category, current_user):
        abort(403, description=reason)
    form = ThreadForm()
    compose = posting.begin(current_user, Target.category(category.id), form)
    if compose.response is not None:
        return compose.response
    if compose.ready and form.validate_on_submit():
        thread = _write_or_keep(compose, lambda: service.create_thread(
            current_user, category, form.title.data, form.body.data, compose.submission))
        if thread is not None:
            compose.posted(form.body.data)
            flash(NOW_WATCHING, "success")
            return redirect(url_for("boards.thread", thread_id=thread.id, slug=thread.slug))
    return render_template("boards/new_thread.html", form=form, category=category, compose=compose), compose.status()


@bp.route("/t/<int:thread_id>")
@bp.route("/t/<int:thread_id>-<slug>")
def thread(thread_id: int, slug: str | None = None):
    thread = _thread_or_404(thread_id)
    per_page = current_app.config["POSTS_PER_PAGE"]
    page = make_page(request.args.get("page"), per_page, queries.count_thread_posts(thread, current_user))
    posts = queries.thread_posts(thread, current_user, page.offset, per_page)
    ids = [p.id for p in posts]
    last_read = queries.last_read_number(current_user, thread)
    form = ReplyForm()
    compose = posting.begin(current_user, Target.thread(thread.id), form) if can_reply(thread, current_user) else None
    html = render_template(
        "boards/thread.html", thread=thread, posts=posts, page=page,
        helpful=queries.helpful_counts(ids), mine=queries.marked_helpful(current_user, ids),
        author_posts=queries.post_counts_by_author(list({p.author_id for p in posts})),
        watching=queries.is_watching(current_user, thread), last_read=last_read,
        can_reply=can_reply(thread, current_user), can_edit=lambda p: can_edit_post(p, current_user),
        can_see=lambda p: can_see_post(p, current_user), form=form, action=ConfirmForm(), compose=compose,
        read_later=read_later.is_saved(current_user, thread), reply_refusal=reply_refusal(thread, current_user),
        staff_tools=is_moderator(current_user),
        move_targets=queries.move_targets(thread) if is_moderator(current_user) else [],
    )
    if current_user.is_authenticated and posts:
        service.mark_read(current_user, thread, posts[-1].number)
    return html


@bp.route("/t/<int:thread_id>/reply", methods=["GET", "POST"])
@csrf.exempt  # checked in posting.begin: a stale token or an ended session keeps the text as a draft
@limiter.limit(_post_rate, methods=["POST"])
@limiter.limit(_post_rate, key_func=account_key, methods=["POST"])  # per member too, on any network
def reply(thread_id: int):
    if not current_user.is_authenticated:
        return posting.login_to_continue(Target.thread(thread_id))
    thread = _thread_or_404(thread_id)
    if reason := reply_refusal(thread, current_user):
        abort(403, description=reason)
    form = ReplyForm()
    compose = posting.begin(current_user, Target.thread(thread.id), form)
    if compose.response is not None:
        return compose.response
    if request.method == "GET" and (quote_id := parse_id(request.args.get("quote"))) is not None:
        quoted = _post_or_404(quote_id)
        if quoted.thread_id == thread.id and can_see_post(quoted, current_user) and quoted.deleted_at is None:
            form.body.data = (form.body.data.rstrip() + "\n\n" if form.body.data else "") + service.quote_markdown(quoted)
    if compose.ready and form.validate_on_submit():
        was_watching = queries.is_watching(current_user, thread)
        post = _write_or_keep(compose, lambda: service.create_reply(
            current_user, thread, form.body.data, compose.submission))
        if post is not None:
            compose.posted(form.body.data)
            if not was_watching:
                flash(NOW_WATCHING, "success")
            return redirect(url_for("boards.post", post_id=post.id))
    return render_template("boards/reply.html", form=form, thread=thread, compose=compose), compose.status()


@bp.route("/p/<int:post_id>")
def post(post_id: int):
    post = _post_or_404(post_id)
    page = queries.page_of_post(post.thread, post, current_user, current_app.config["POSTS_PER_PAGE"])
    args = {"page": page} if page > 1 else {}
    return redirect(url_for("boards.thread", thread_id=post.thread_id, slug=post.thread.slug, **args) + f"#p{post.id}")


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit(_post_rate, methods=["POST"])
@limiter.limit(_post_rate, key_func=account_key, methods=["POST"])  # per member too, on any network
def edit(post_id: int):
    post = _post_or_404(post_id)
    if not can_edit_post(post, current_user):
        abort(403, description="You can only edit your own posts.")
    form = EditForm(obj=post)
    if request.method == "GET" and post.number == 1:
        form.title.data = post.thread.title
    if form.validate_on_submit():
        try:
            service.edit_post(current_user, post, form.body.data, form.title.data if post.number == 1 else None)
        except service.BoardError as exc:
            db.session.rollback()
            _field_error(form, exc)
        else:
            flash("Your changes are saved.", "success")
            return redirect(url_for("boards.post", post_id=post.id))
    return render_template("boards/edit.html", form=form, post=post), 400 if form.errors else 200


@bp.route("/p/<int:post_id>/delete", methods=["GET", "POST"])
@login_required
def delete(post_id: int):
    post = _post_or_404(post_id)
    if post.author_id != current_user.id or post.deleted_at is not None:
        abort(403, description="You can only delete your own posts.")
    form = ConfirmForm()
    if form.validate_on_submit():
        service.delete_post(current_user, post)
        flash("Your post is removed.", "success")
        return redirect(url_for("boards.thread", thread_id=post.thread_id, slug=post.thread.slug))
    return render_template("boards/delete.html", form=form, post=post)


@bp.route("/p/<int:post_id>/history")
def history(post_id: int):
    post = _post_or_404(post_id)
    if not can_see_post(post, current_user):
        abort(404, description="That post does not exist or is not visible to you.")
    revisions = service.revisions(post)
    shown = visible_revisions(post, revisions, current_user)
    return render_template("boards/history.html", post=post, revisions=shown, hidden=len(revisions) - len(shown),
                           redacted=redaction_number(post, revisions))


@bp.route("/p/<int:post_id>/helpful", methods=["POST"])
@login_required
def helpful(post_id: int):
    post = _post_or_404(post_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    try:
        marked = service.toggle_helpful(current_user, post)
    except service.BoardError as exc:
        db.session.rollback()
        abort(403, description=str(exc))
    flash("Marked as helpful." if marked else "No longer marked as helpful.", "success")
    return redirect(url_for("boards.post", post_id=post.id))


@bp.route("/t/<int:thread_id>/watch", methods=["POST"])
@login_required
def watch(thread_id: int):
    thread = _thread_or_404(thread_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    watching = service.toggle_watch(current_user, thread)
    flash("You are watching this thread: you will be notified of replies." if watching
          else "You stopped watching this thread.", "success")
    return redirect(url_for("boards.thread", thread_id=thread.id, slug=thread.slug))
