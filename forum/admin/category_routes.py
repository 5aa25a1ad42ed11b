"""/admin/categories: thin views over forum.admin.categories (admins only)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from forum.admin import categories
from forum.admin.forms import CategoryForm
from forum.boards.forms import ConfirmForm
from forum.extensions import db
from forum.models import Category
from forum.permissions import admin_required

bp = Blueprint("admin_categories", __name__, url_prefix="/admin/categories")


def _category_or_404(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        abort(404, description="There is no such category.")
    return category


def _fields(form: CategoryForm) -> categories.CategoryFields:
    return categories.CategoryFields(name=form.name.data or "", slug=form.slug.data or "",
                                     description=form.description.data or "", position=form.position.data,
                                     read_only=bool(form.read_only.data))


def _show_error(form: CategoryForm, exc: categories.CategoryError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [str(exc)]
    else:
        form.form_errors.append(str(exc))


@bp.route("")
@admin_required
def index():
    return render_template("admin/categories.html", rows=categories.admin_rows(), action=ConfirmForm())


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            category = categories.create(current_user, _fields(form))
        except categories.CategoryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            flash(f"The category “{category.name}” is created.", "success")
            return redirect(url_for("admin_categories.index"))
    return render_template("admin/category_form.html", form=form, category=None), 400 if form.errors else 200


@bp.route("/<int:category_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(category_id: int):
    category = _category_or_404(category_id)
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        try:
            categories.update(current_user, category, _fields(form))
        except categories.CategoryError as exc:
            db.session.rollback()
            _show_error(form, exc)
        else:
            flash(f"The category “{category.name}” is saved.", "success")
            return redirect(url_for("admin_categories.index"))
    return render_template("admin/category_form.html", form=form, category=category), 400 if form.errors else 200


@bp.route("/<int:category_id>/<any(up, down):direction>", methods=["POST"])
@admin_required
def move(category_id: int, direction: str):
    category = _category_or_404(category_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    try:
        categories.move(current_user, category, direction)
    except categories.CategoryError as exc:
        db.session.rollback()
        abort(exc.status, description=str(exc))
    flash(f"“{category.name}” moved {direction}.", "success")
    return redirect(url_for("admin_categories.index"))


@bp.route("/<int:category_id>/<any(archive, unarchive):action>", methods=["POST"])
@admin_required
def archive(category_id: int, action: str):
    category = _category_or_404(category_id)
    if not ConfirmForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    try:
        categories.set_archived(current_user, category, action == "archive")
    except categories.CategoryError as exc:
        db.session.rollback()
        abort(exc.status, description=str(exc))
    flash(f"“{category.name}” is archived: off the front page and closed to new threads." if action == "archive"
          else f"“{category.name}” is back on the front page.", "success")
    return redirect(url_for("admin_categories.index"))
