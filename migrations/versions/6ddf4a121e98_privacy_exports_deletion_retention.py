"""privacy: exports, username reservations, deletions, hashed addresses, purge runs, audit redaction grants

Also narrows the audit log's append-only triggers to allow one thing: a redaction granted per entry
inside its own transaction (forum/privacy/redaction.py), never touching who/what/when columns.

Revision ID: 6ddf4a121e98
Revises: 7c0f3a9e51b2
Create Date: 2026-11-26 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6ddf4a121e98'
down_revision = '7c0f3a9e51b2'
branch_labels = None
depends_on = None

# Columns that say who did what, when, to what: never changed, not even by a granted redaction.
_FIXED = ("id", "created_at", "actor_id", "actor_role", "action", "post_id", "target_user_id")

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION moderation_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND {unchanged}
       AND EXISTS (SELECT 1 FROM audit_redaction_grants g WHERE g.entry_id = OLD.id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'moderation_audit is append-only';
END;
$$ LANGUAGE plpgsql
""".format(unchanged=" AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _FIXED))

_PG_FUNCTION_ORIGINAL = """
CREATE OR REPLACE FUNCTION moderation_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'moderation_audit is append-only';
END;
$$ LANGUAGE plpgsql
"""

_SQLITE_TRIGGER = """
CREATE TRIGGER moderation_audit_no_update BEFORE UPDATE ON moderation_audit
WHEN {changed}
     OR NOT EXISTS (SELECT 1 FROM audit_redaction_grants g WHERE g.entry_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'moderation_audit is append-only');
END
""".format(changed=" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FIXED))

_SQLITE_TRIGGER_ORIGINAL = """
CREATE TRIGGER moderation_audit_no_update BEFORE UPDATE ON moderation_audit
BEGIN
    SELECT RAISE(ABORT, 'moderation_audit is append-only');
END
"""


def upgrade():
    op.create_table('data_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.create_index('ix_data_exports_status', ['status', 'requested_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_exports_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_exports_expires_at'), ['expires_at'], unique=False)

    op.create_table('username_reservations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('name_key', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name_key')
    )
    with op.batch_alter_table('username_reservations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_username_reservations_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_username_reservations_expires_at'), ['expires_at'], unique=False)

    op.create_table('account_deletions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=False),
    sa.Column('posts', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id')
    )

    op.create_table('ip_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ip_hash', sa.String(length=64), nullable=False),
    sa.Column('first_seen', sa.DateTime(), nullable=False),
    sa.Column('last_seen', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'ip_hash', name='uq_ip_records_user_hash')
    )
    with op.batch_alter_table('ip_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_records_ip_hash'), ['ip_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_ip_records_last_seen'), ['last_seen'], unique=False)

    op.create_table('purge_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ran_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('removed', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('purge_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purge_runs_ran_at'), ['ran_at'], unique=False)

    op.create_table('audit_redaction_grants',
    sa.Column('entry_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.PrimaryKeyConstraint('entry_id')
    )

    # The audit log stays append-only: an UPDATE is refused unless this transaction granted it for that
    # entry (forum/privacy/redaction.py does, then removes the grant), and even then the columns saying
    # who did what, when and to what cannot change; only note/before/after text can lose a name.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
    else:
        op.execute("DROP TRIGGER IF EXISTS moderation_audit_no_update")
        op.execute(_SQLITE_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION_ORIGINAL)
    else:
        op.execute("DROP TRIGGER IF EXISTS moderation_audit_no_update")
        op.execute(_SQLITE_TRIGGER_ORIGINAL)
    op.drop_table('audit_redaction_grants')
    with op.batch_alter_table('purge_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purge_runs_ran_at'))
    op.drop_table('purge_runs')
    with op.batch_alter_table('ip_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_records_last_seen'))
        batch_op.drop_index(batch_op.f('ix_ip_records_ip_hash'))
    op.drop_table('ip_records')
    op.drop_table('account_deletions')
    with op.batch_alter_table('username_reservations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_username_reservations_expires_at'))
        batch_op.drop_index(batch_op.f('ix_username_reservations_user_id'))
    op.drop_table('username_reservations')
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_exports_expires_at'))
        batch_op.drop_index(batch_op.f('ix_data_exports_user_id'))
        batch_op.drop_index('ix_data_exports_status')
    op.drop_table('data_exports')
