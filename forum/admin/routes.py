"""Admin pages: members and their roles."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from forum.accounts import service
from forum.accounts.forms import RoleForm
from forum.extensions import db
from forum.models import User
from forum.pagination import make_page
from forum.permissions import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


@bp.route("/users")
@admin_required
def users():
    total = db.session.scalar(select(func.count(User.id))) or 0
    page = make_page(request.args.get("page"), PER_PAGE, total)
    rows = db.session.scalars(select(User).order_by(User.username_key).offset(page.offset).limit(PER_PAGE))
    return render_template("admin/users.html", users=list(rows), page=page)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user(user_id: int):
    target = db.session.get(User, user_id)
    if target is None:
        abort(404, description="No such member.")
    form = RoleForm(obj=target)
    if form.validate_on_submit():
        try:
            service.set_role(current_user, target, form.role.data)
        except service.AccountError as exc:
            db.session.rollback()
            form.role.errors = [str(exc)]
        else:
            flash(f"{target.username} is now {target.role}.", "success")
            return redirect(url_for("admin.user", user_id=target.id))
    return _user_page(target, form), 400 if form.errors else 200


def _user_page(target: User, form: RoleForm, email: str | None = None, email_shown: bool = False):
    from forum.privacy.logins import accounts_sharing_network

    return render_template("admin/user.html", target=target, form=form, email=email, email_shown=email_shown,
                           same_network=accounts_sharing_network(target))


@bp.route("/users/<int:user_id>/email", methods=["POST"])
@admin_required
def user_email(user_id: int):
    """Show the member's email address: each look is written to the audit log (forum/privacy)."""
    from forum.boards.forms import ConfirmForm
    from forum.privacy.identity import reveal_email

    target = db.session.get(User, user_id)
    if target is None:
        abort(404, description="No such member.")
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    email = reveal_email(current_user, target)
    return _user_page(target, RoleForm(obj=target), email=email, email_shown=True)
