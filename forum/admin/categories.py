"""Categories as admins run them: create, edit, order, archive, and the read-only (announcements) flag.

Every change writes an audit entry in its own transaction (moderation.audit.record). Who may post
in an archived or read-only category is decided in forum.visibility (thread_refusal, reply_refusal).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Category, Thread, User, utcnow
from forum.text import slugify

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
NAME_MAX = 80
SLUG_MAX = 80
POSITION_MAX = 1_000_000


class CategoryError(ValueError):
    """A rule about categories was broken; the message is shown on the form (field) or as a notice."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotAdmin(CategoryError):
    status = 403


@dataclass(frozen=True)
class CategoryFields:
    name: str
    slug: str = ""
    description: str = ""
    position: int | None = None
    read_only: bool = False


@dataclass
class AdminRow:
    category: Category
    threads: int


def _record(actor: User, action: str, note: str, before: dict, after: dict) -> None:
    # The audit log still lives with moderation (issue 15 moves it into forum/), as in accounts/service.py.
    from moderation import audit

    audit.record(actor, action, note=note, before=before, after=after)


def _require_admin(actor: User) -> None:
    if not getattr(actor, "is_admin", False):
        raise NotAdmin("Only admins can change categories.")


def state(category: Category) -> dict:
    """What the audit log keeps of a category before and after a change."""
    return {"category": category.name, "slug": category.slug, "description": category.description,
            "position": category.position, "archived": category.archived_at is not None,
            "read_only": bool(category.read_only)}


def ordered() -> list[Category]:
    """Every category, archived ones too, in the order the front page shows them."""
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name, Category.id)))


def admin_rows() -> list[AdminRow]:
    counts = dict(db.session.execute(select(Thread.category_id, func.count(Thread.id)).group_by(Thread.category_id)).all())
    return [AdminRow(c, counts.get(c.id, 0)) for c in ordered()]


def check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise CategoryError("Give the category a name.", "name")
    if len(name) > NAME_MAX:
        raise CategoryError(f"The name is {len(name)} characters long; the limit is {NAME_MAX}.", "name")
    return name


def check_slug(slug: str, name: str, category_id: int | None = None) -> str:
    """The address part (/c/<slug>): lowercase letters, digits and single hyphens, unique.
    Left empty, it is made from the name."""
    slug = (slug or "").strip()
    if not slug:
        slug = slugify(name, SLUG_MAX)
    if len(slug) > SLUG_MAX:
        raise CategoryError(f"The slug is {len(slug)} characters long; the limit is {SLUG_MAX}.", "slug")
    if slug != slug.lower() and SLUG_RE.fullmatch(slug.lower()):
        raise CategoryError(f"The slug must be lowercase: try “{slug.lower()}”.", "slug")
    if not SLUG_RE.fullmatch(slug):
        raise CategoryError("The slug can only use lowercase letters a–z, digits and single hyphens between "
                            f"them, like “{slugify(slug or name, SLUG_MAX)}”.", "slug")
    taken = db.session.scalar(select(Category).where(Category.slug == slug))
    if taken is not None and taken.id != category_id:
        raise CategoryError(f"The slug “{slug}” is already used by the category “{taken.name}”.", "slug")
    return slug


def check_description(description: str) -> str:
    description = (description or "").strip()
    limit = current_app.config["MAX_TITLE_LENGTH"] * 4
    if len(description) > limit:
        raise CategoryError(f"The description is {len(description)} characters long; the limit is {limit}.",
                            "description")
    return description


def check_position(position: int | None) -> int | None:
    if position is not None and not 0 <= position <= POSITION_MAX:
        raise CategoryError(f"The position must be a whole number from 0 to {POSITION_MAX:,}.", "position")
    return position


def _apply(category: Category, fields: CategoryFields) -> None:
    name = check_name(fields.name)
    category.slug = check_slug(fields.slug, name, category.id)
    category.name = name
    category.description = check_description(fields.description)
    position = check_position(fields.position)
    if position is None and category.position is None:
        position = (db.session.scalar(select(func.max(Category.position))) or 0) + 1
    if position is not None:
        category.position = position
    category.read_only = bool(fields.read_only)


def create(actor: User, fields: CategoryFields) -> Category:
    """A new category; without a position it goes last."""
    _require_admin(actor)
    category = Category(position=None)
    _apply(category, fields)
    db.session.add(category)
    _record(actor, "category_create", "", {}, state(category))
    db.session.commit()
    return category


def update(actor: User, category: Category, fields: CategoryFields) -> Category:
    _require_admin(actor)
    before = state(category)
    _apply(category, fields)
    after = state(category)
    if after != before:
        _record(actor, "category_edit", "", before, after)
    db.session.commit()
    return category


def move(actor: User, category: Category, direction: str) -> Category:
    """One place up or down in the order; positions are renumbered 1, 2, 3... so ties cannot stick."""
    _require_admin(actor)
    if direction not in ("up", "down"):
        raise CategoryError("A category moves up or down.")
    rows = ordered()
    index = next(i for i, c in enumerate(rows) if c.id == category.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rows):
        raise CategoryError(f"“{category.name}” is already {'first' if direction == 'up' else 'last'}.")
    before = state(category)
    rows[index], rows[other] = rows[other], rows[index]
    for number, row in enumerate(rows, start=1):
        row.position = number
    _record(actor, f"category_move_{direction}", "", before, state(category))
    db.session.commit()
    return category


def set_archived(actor: User, category: Category, archived: bool) -> Category:
    """Archived: off the front page, no new threads; its threads stay readable by their links."""
    _require_admin(actor)
    if (category.archived_at is not None) == archived:
        raise CategoryError(f"“{category.name}” is {'already' if archived else 'not'} archived.")
    before = state(category)
    category.archived_at = utcnow() if archived else None
    _record(actor, "category_archive" if archived else "category_unarchive", "", before, state(category))
    db.session.commit()
    return category
