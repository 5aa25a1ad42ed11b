"""The privacy page and the account pages: export, username and email changes, deletion."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required, logout_user

from forum import notifications
from forum.boards.forms import ConfirmForm
from forum.extensions import db, limiter
from forum.privacy import deletion, exports, identity, retention
from forum.privacy.forms import DeleteAccountForm, EmailForm, UsernameForm
from forum.text import plural

bp = Blueprint("privacy", __name__)


def _password_rate() -> str:
    return current_app.config["RATE_LOGIN"]


def _field_error(form, exc: Exception) -> None:
    field = getattr(form, getattr(exc, "field", None) or "", None)
    if field is not None:
        field.errors = list(field.errors) + [str(exc)]
    else:
        flash(str(exc), "error")


@bp.app_template_global("member_exports")
def member_exports() -> list:
    """The settings page's list of recent exports (a template global: queried only where shown)."""
    return exports.recent_exports(current_user) if current_user.is_authenticated else []


@bp.app_template_global("export_downloadable")
def export_downloadable(export) -> bool:
    return exports.is_downloadable(export)


@bp.route("/privacy")
def policy():
    return render_template("privacy/policy.html", rules=retention.rules(), last_run=retention.last_run())


# --------------------------------------------------------------------------- export

@bp.route("/settings/export", methods=["POST"])
@login_required
def request_export():
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form expired; reload the settings page and try again.")
    try:
        exports.request_export(current_user)
    except exports.ExportError as exc:
        flash(str(exc), "error")
    else:
        flash("Your data is being prepared. A notification with the download link will appear when it is ready "
              "(usually within a minute).", "success")
    return redirect(url_for("accounts.settings") + "#data-heading")


@bp.route("/settings/export/<token>")
@login_required
def download_export(token: str):
    export = exports.for_owner(current_user, token)
    if export is None:
        abort(404, description="There is no such export.")
    if export.status != "ready":
        abort(404, description="This export is not ready yet." if export.status == "pending"
              else "This export could not be prepared; ask for a new one in your settings.")
    if not exports.is_downloadable(export):
        abort(410, description="This export has expired. Ask for a new one in your settings.")
    path = exports.export_path(export.token)
    if not path.is_file():
        abort(410, description="This export is no longer available. Ask for a new one in your settings.")
    response = send_file(path, mimetype="application/zip", as_attachment=True, max_age=0,
                         download_name=f"forum-data-{date.today():%Y-%m-%d}.zip")
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.route("/notifications/<int:notification_id>/export")
@login_required
def notified_export(notification_id: int):
    export = exports.for_notification(current_user, notification_id)
    if export is None:
        note = notifications.mark_read(current_user, notification_id)
        if note is not None and note.kind == "export_ready":
            abort(410, description="This export has expired. Ask for a new one in your settings.")
        abort(404, description="There is no such export.")
    notifications.mark_read(current_user, notification_id)
    return redirect(url_for("privacy.download_export", token=export.token))


# --------------------------------------------------------------------------- username and email

@bp.route("/settings/username", methods=["GET", "POST"])
@login_required
@limiter.limit(_password_rate, methods=["POST"])
def change_username():
    form = UsernameForm()
    if form.validate_on_submit():
        try:
            old = identity.change_username(current_user, form.username.data, form.password.data)
        except identity.IdentityError as exc:
            db.session.rollback()
            _field_error(form, exc)
        else:
            days = current_app.config["USERNAME_RESERVATION_DAYS"]
            flash(f"You are now {current_user.username}. Links to {old} lead to your profile for {plural(days, 'day')}; "
                  "nobody else can take that name meanwhile.", "success")
            return redirect(url_for("accounts.settings"))
    return render_template("privacy/username.html", form=form,
                           days=current_app.config["USERNAME_RESERVATION_DAYS"]), 400 if form.errors else 200


@bp.route("/settings/email", methods=["GET", "POST"])
@login_required
@limiter.limit(_password_rate, methods=["POST"])
def change_email():
    form = EmailForm()
    if form.validate_on_submit():
        try:
            identity.request_email_change(current_user, form.email.data, form.password.data)
        except identity.IdentityError as exc:
            _field_error(form, exc)
        else:
            return render_template("privacy/email_sent.html", email=form.email.data.strip(),
                                   hours=max(1, current_app.config["EMAIL_CHANGE_TOKEN_MAX_AGE"] // 3600))
    return render_template("privacy/email.html", form=form), 400 if form.errors else 200


@bp.route("/settings/email/confirm/<token>", methods=["GET", "POST"])
@login_required
def confirm_email(token: str):
    try:
        new_email = identity.email_from_token(current_user, token)
    except identity.IdentityError as exc:
        return render_template("privacy/email_invalid.html", message=str(exc)), 400
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            identity.confirm_email_change(current_user, token)
        except identity.IdentityError as exc:
            db.session.rollback()
            return render_template("privacy/email_invalid.html", message=str(exc)), 409
        flash(f"Your email address is now {new_email}.", "success")
        return redirect(url_for("accounts.settings"))
    return render_template("privacy/email_confirm.html", form=form, email=new_email)


# --------------------------------------------------------------------------- deletion

@bp.route("/settings/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(_password_rate, methods=["POST"])
def delete_account():
    form = DeleteAccountForm()
    problem = deletion.deletion_problem(current_user)
    if problem is None and form.validate_on_submit():
        try:
            deletion.delete_account(current_user, form.password.data, form.posts.data)
        except deletion.DeletionError as exc:
            _field_error(form, exc)
        else:
            logout_user()
            flash("Your account is deleted and you are logged out. Thank you for being part of the forum.", "success")
            return redirect(url_for("boards.index"))
    status = 400 if form.errors or (problem and request.method == "POST") else 200
    return render_template("privacy/delete.html", form=form, problem=problem,
                           days=current_app.config["DELETED_POST_RETENTION_DAYS"],
                           reserve_days=current_app.config["USERNAME_RESERVATION_DAYS"]), status


@bp.record_once
def _connect_login_records(state) -> None:
    from forum.privacy import logins

    logins.init_app(state.app)
