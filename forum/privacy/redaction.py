"""The one sanctioned way to take identity out of the append-only audit log.

Why this does not break "append-only": an audit entry records *that* someone did something, when,
to which post or member, and the state before and after. None of that changes here. The columns that
say who/what/when/to-what (id, created_at, actor_id, actor_role, action, post_id, target_user_id) are
refused by the database triggers even for a granted update (migration 6ddf4a121e98). Only text a
person typed that happens to carry a name (the note, string values inside before/after) can have that
name replaced, and the erased text of a purged post can be blanked, because keeping a deleted member's
words forever inside the log would defeat the deletion. Entries are never deleted.

How: a Core UPDATE on the session's own connection (the ORM guard in moderation/models.py still
refuses any ORM change to an AuditEntry), allowed by the triggers only for entries that have a row in
audit_redaction_grants. The grants are added and removed in the same transaction, so none is ever
visible to anyone else or outlives the redaction. Callers append an AuditEntry saying what was redacted.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

from sqlalchemy import String, cast, delete, func, insert, or_, select, update

from forum.extensions import db
from forum.privacy.models import AuditRedactionGrant
from moderation.models import AuditEntry

REDACTABLE = frozenset({"note", "before", "after"})
ERASED = "[erased]"


def name_pattern(names: Iterable[str]) -> re.Pattern | None:
    """A case-insensitive pattern for whole usernames (names contain letters, digits, '.', '-', '_')."""
    names = sorted({n for n in names if n}, key=len, reverse=True)
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?<![A-Za-z0-9_.\-@])@?(?:{alternatives})(?![A-Za-z0-9_\-]|\.[A-Za-z0-9_])", re.IGNORECASE)


def replace_in(value: Any, pattern: re.Pattern, replacement: str) -> Any:
    """Replace names in a string, or in every string inside a JSON-like value."""
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, dict):
        return {k: replace_in(v, pattern, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_in(v, pattern, replacement) for v in value]
    return value


def apply(changes: dict[int, dict[str, Any]]) -> int:
    """Write redacted note/before/after values for the given entries; returns how many changed."""
    changes = {entry_id: values for entry_id, values in changes.items() if values}
    if not changes:
        return 0
    for values in changes.values():
        if not set(values) <= REDACTABLE:
            raise ValueError(f"Only {', '.join(sorted(REDACTABLE))} can be redacted, not {sorted(set(values) - REDACTABLE)}.")
    db.session.flush()
    connection = db.session.connection()
    table, grants = AuditEntry.__table__, AuditRedactionGrant.__table__
    ids = sorted(changes)
    connection.execute(insert(grants), [{"entry_id": entry_id} for entry_id in ids])
    for entry_id in ids:
        connection.execute(update(table).where(table.c.id == entry_id).values(**changes[entry_id]))
    connection.execute(delete(grants).where(grants.c.entry_id.in_(ids)))
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, AuditEntry) and obj.id in changes:
            db.session.expire(obj)
    return len(ids)


def _text(column):
    return func.lower(cast(column, String))


def redact_names(names: Iterable[str], replacement: str, scope=None) -> int:
    """Replace whole-word mentions of these usernames in note and before/after text.

    ``scope`` (an SQL condition on AuditEntry) narrows the entries looked at: a name that is also
    an ordinary word should not be replaced in notes that have nothing to do with its member.
    """
    names = [n for n in names if n]
    pattern = name_pattern(names)
    if pattern is None:
        return 0
    like = [col.like(f"%{n.lower()}%") for n in names
            for col in (_text(AuditEntry.note), _text(AuditEntry.before), _text(AuditEntry.after))]
    rows = db.session.execute(select(AuditEntry.id, AuditEntry.note, AuditEntry.before, AuditEntry.after)
                              .where(or_(*like), *([scope] if scope is not None else []))).all()
    changes: dict[int, dict[str, Any]] = {}
    for entry_id, note, before, after in rows:
        values = {}
        for key, old in (("note", note), ("before", before), ("after", after)):
            new = replace_in(old, pattern, replacement)
            if new != old:
                values[key] = new
        if values:
            changes[entry_id] = values
    return apply(changes)


def erase_post_text(post_ids: Iterable[int]) -> int:
    """Blank the post text kept in before/after (moderator edits) for posts whose text is being erased."""
    post_ids = list(post_ids)
    if not post_ids:
        return 0
    changes: dict[int, dict[str, Any]] = {}
    for start in range(0, len(post_ids), 500):
        rows = db.session.execute(select(AuditEntry.id, AuditEntry.before, AuditEntry.after)
                                  .where(AuditEntry.post_id.in_(post_ids[start:start + 500]))).all()
        for entry_id, before, after in rows:
            values = {}
            for key, old in (("before", before), ("after", after)):
                if isinstance(old, dict) and old.get("body") not in (None, "", ERASED):
                    values[key] = dict(old, body=ERASED)
            if values:
                changes[entry_id] = values
    return apply(changes)
