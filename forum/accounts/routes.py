"""Register, log in and out, reset a password, settings, public profiles."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from forum.accounts import members, service
from forum.accounts.forms import (
    ChangePasswordForm, LoginForm, ProfileForm, RegisterFinishForm, RegisterForm, ResetForm, ResetRequestForm,
)
from forum.boards.queries import post_counts_by_author, recent_posts_by
from forum.extensions import db, limiter
from forum.pagination import make_page
from forum.redirects import safe_target
from forum.visibility import can_list_posts_by

bp = Blueprint("accounts", __name__)
MEMBERS_PER_PAGE = 50


def _rate(name: str):
    return lambda: current_app.config[name]


def _safe_next(target: str | None) -> str:
    return safe_target(target, url_for("boards.index"))


def _start_session(user, remember: bool = False) -> None:
    """Log in with a fresh session: nothing from before (a planted cookie, its CSRF token) carries over."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF caches this request's token here; the next form gets a new one
    login_user(user, remember=remember)


def _show_error(form, exc: service.AccountError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(exc)]
    else:
        flash(str(exc), "error")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_rate("RATE_REGISTER"), methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("boards.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            service.request_registration(form.username.data, form.email.data)
        except service.AccountError as exc:
            _show_error(form, exc)
        else:
            return render_template("accounts/register_sent.html", email=form.email.data.strip(),
                                   hours=max(1, current_app.config["REGISTER_TOKEN_MAX_AGE"] // 3600))
    return render_template("accounts/register.html", form=form), 400 if form.errors else 200


@bp.route("/register/<token>", methods=["GET", "POST"])
@limiter.limit(_rate("RATE_REGISTER"), methods=["POST"])
def register_finish(token: str):
    try:
        username, _ = service.registration_from_token(token)
    except service.AccountError as exc:
        return render_template("accounts/register_invalid.html", message=str(exc)), 400
    form = RegisterFinishForm()
    if form.validate_on_submit():
        try:
            user = service.complete_registration(token, form.password.data)
        except service.AccountError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            _start_session(user)
            flash(f"Welcome, {user.username}! You are logged in.", "success")
            return redirect(url_for("boards.index"))
    return render_template("accounts/register_finish.html", form=form, username=username), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_rate("RATE_LOGIN"), methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.login.data, form.password.data)
        if user is not None:
            _start_session(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors = ["That username or email and password do not match an account."]
    return render_template("accounts/login.html", form=form), 400 if form.errors else 200


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if request.method == "POST":
        return _end_sessions("You are logged out. Your session has ended on every device, "
                             "so a copied cookie or a forgotten browser no longer opens your account.")
    return render_template("accounts/logout.html")


@bp.route("/settings/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    return _end_sessions("You are logged out on every device and browser, this one included.")


def _end_sessions(message: str):
    from forum.boards.forms import ConfirmForm

    if not ConfirmForm().validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        service.end_all_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(message, "success")
    return redirect(url_for("boards.index"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_rate("RATE_RESET"), methods=["POST"])
def reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        service.send_reset_mail(form.email.data)
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/reset.html", form=form), 400 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_rate("RATE_RESET"), methods=["POST"])
def reset_with_token(token: str):
    try:
        service.user_for_reset_token(token)
    except service.AccountError as exc:
        return render_template("accounts/reset_invalid.html", message=str(exc)), 400
    form = ResetForm()
    if form.validate_on_submit():
        try:
            service.reset_password(token, form.password.data)
        except service.AccountError as exc:
            db.session.rollback()
            form.password.errors = [str(exc)]
        else:
            flash("Your password is changed. Log in with the new one.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_form.html", form=form), 400 if form.errors else 200


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    profile = ProfileForm(obj=current_user, prefix="profile")
    password = ChangePasswordForm(prefix="password")
    status = 200
    if request.method == "POST" and "profile-bio" in request.form:
        if profile.validate_on_submit():
            profile.populate_obj(current_user)
            db.session.commit()
            flash("Your settings are saved.", "success")
            return redirect(url_for("accounts.settings"))
        status = 400
    elif request.method == "POST":
        if password.validate_on_submit():
            try:
                service.change_password(current_user, password.current_password.data, password.new_password.data)
            except service.AccountError as exc:
                db.session.rollback()
                _show_error(password, exc)
                status = 400
            else:
                _start_session(current_user._get_current_object())
                flash("Your password is changed. Other devices have been logged out.", "success")
                return redirect(url_for("accounts.settings"))
        else:
            status = 400
    return render_template("accounts/settings.html", profile=profile, password=password), status


@bp.route("/u/<name>")
def profile(name: str):
    user = service.get_user_by_name(name)
    if user is None:
        from forum.privacy.identity import renamed_to  # a name given up recently leads to the new one

        if (renamed := renamed_to(name)) is not None:
            return redirect(url_for("accounts.profile", name=renamed.username))
        abort(404, description=f"There is no member called {name!r}.")
    hide = not can_list_posts_by(user, current_user)
    posts = [] if hide else recent_posts_by(user, current_user)
    count = post_counts_by_author([user.id]).get(user.id, 0)
    return render_template("accounts/profile.html", user=user, posts=posts, post_count=count, posts_hidden=hide)


@bp.route("/users")
@login_required
def members_page():
    page = make_page(request.args.get("page"), MEMBERS_PER_PAGE, members.count_listed())
    return render_template("accounts/members.html", rows=members.listed(page.offset, MEMBERS_PER_PAGE), page=page)
