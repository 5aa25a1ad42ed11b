"""The notifications page and marking them read."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import notifications
from forum.boards.forms import ConfirmForm
from forum.pagination import make_page

bp = Blueprint("notifications", __name__)
PER_PAGE = 30


@bp.route("/notifications")
@login_required
def index():
    page = make_page(request.args.get("page"), PER_PAGE, notifications.count_for(current_user))
    items = notifications.list_for(current_user, page.offset, PER_PAGE)
    return render_template("notifications/index.html", items=items, page=page, form=ConfirmForm(),
                           gone=notifications.unavailable_in(items, current_user))


@bp.route("/notifications/<int:notification_id>", methods=["POST"])
@login_required
def open_one(notification_id: int):
    note = notifications.mark_read(current_user, notification_id)
    if note is None:
        abort(404, description="That notification does not exist.")
    if note.post_id and notifications.unavailable(note, current_user) is not None:
        return redirect(url_for("notifications.post", notification_id=note.id))
    if note.post_id:
        return redirect(url_for("boards.post", post_id=note.post_id))
    if note.kind == "export_ready":  # the data export's download (forum/privacy)
        return redirect(url_for("privacy.notified_export", notification_id=note.id))
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/<int:notification_id>/post")
@login_required
def post(notification_id: int):
    """The post a notification is about, or, if it went away since, a page saying what happened."""
    note = notifications.get_own(current_user, notification_id)
    if note is None:
        abort(404, description="That notification does not exist.")
    if note.post_id is None:
        return redirect(url_for("notifications.index"))
    gone = notifications.unavailable(note, current_user)
    if gone is None:
        return redirect(url_for("boards.post", post_id=note.post_id))
    return render_template("notifications/unavailable.html", note=note, gone=gone)


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all():
    notifications.mark_all_read(current_user)
    return redirect(url_for("notifications.index"))
