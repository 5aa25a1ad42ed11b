"""The audit log stays append-only; the one granted path can only take names out of its text."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from forum.extensions import db
from forum.privacy import redaction
from forum.privacy.models import AuditRedactionGrant
from moderation import audit
from moderation.models import AuditEntry, AuditLogIsAppendOnly
from tests.helpers import create_user


@pytest.fixture()
def entry(ctx):
    mod = create_user("Mod", role="moderator")
    tess = create_user("Tess")
    row = audit.record(mod, "warn", user=tess, note="Tess, please stop.", before={"role": "member"},
                       after={"role": "member", "body": "Tess wrote this"})
    db.session.commit()
    return row


def _raw_update(**values) -> None:
    table = AuditEntry.__table__
    with db.engine.begin() as conn:
        conn.execute(update(table).values(**values))


def test_the_database_refuses_any_ungranted_update(entry):
    with pytest.raises(DBAPIError, match="append-only"):
        _raw_update(note="rewritten")
    db.session.expire_all()
    assert db.session.get(AuditEntry, entry.id).note == "Tess, please stop."


def test_the_orm_refuses_changes_too(entry):
    entry.note = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()


def test_even_a_granted_update_cannot_change_who_did_what_when(entry):
    table = AuditEntry.__table__
    for values in ({"action": "approve"}, {"actor_id": None}, {"target_user_id": None}, {"actor_role": "admin"}):
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(AuditRedactionGrant.__table__.insert().values(entry_id=entry.id))
                conn.execute(update(table).where(table.c.id == entry.id).values(**values))
    with pytest.raises(ValueError, match="Only"):
        redaction.apply({entry.id: {"action": "approve"}})
    db.session.rollback()


def test_rows_are_never_deleted_on_postgresql(entry):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the DELETE trigger exists on PostgreSQL (SQLite's guard is the ORM one)")
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM moderation_audit"))


def test_names_are_replaced_in_text_only_and_grants_do_not_outlive_the_transaction(entry):
    before = db.session.execute(select(AuditEntry.id, AuditEntry.created_at, AuditEntry.actor_id,
                                       AuditEntry.action, AuditEntry.target_user_id)).all()
    assert redaction.redact_names(["Tess"], "deleted-member-1") == 1
    db.session.commit()
    row = db.session.get(AuditEntry, entry.id)
    assert row.note == "deleted-member-1, please stop."
    assert row.after == {"role": "member", "body": "deleted-member-1 wrote this"} and row.before == {"role": "member"}
    assert db.session.execute(select(AuditEntry.id, AuditEntry.created_at, AuditEntry.actor_id,
                                     AuditEntry.action, AuditEntry.target_user_id)).all() == before
    assert db.session.scalar(select(func.count()).select_from(AuditRedactionGrant)) == 0
    with pytest.raises(DBAPIError):  # and without a new grant, the entry is frozen again
        _raw_update(note="again")


@pytest.mark.parametrize("text_in,expected", [
    ("Tess posted", "X posted"),
    ("@tess posted", "X posted"),
    ("asked Tess.", "asked X."),
    ("Tessa posted", "Tessa posted"),
    ("Tess.Smith posted", "Tess.Smith posted"),
    ("not_Tess", "not_Tess"),
])
def test_only_whole_names_are_replaced(text_in, expected):
    assert redaction.name_pattern(["Tess"]).sub("X", text_in) == expected
