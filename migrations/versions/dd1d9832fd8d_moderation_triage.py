"""moderation triage: member reports, decisions, label decisions, appeals, append-only audit log

Revision ID: dd1d9832fd8d
Revises: 3c9e5a7d2b41
Create Date: 2026-11-24 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dd1d9832fd8d'
down_revision = '3c9e5a7d2b41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('moderation_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=True),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('signals', sa.JSON(), nullable=False),
    sa.Column('was_held', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('appealable', sa.Boolean(), server_default=sa.text('(false)'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['moderator_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('moderation_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_decisions_post', ['post_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_decisions_created_at'), ['created_at'], unique=False)

    op.create_table('moderation_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('decision_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['moderation_decisions.id'], ),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('post_id', 'reporter_id', name='uq_reports_once')
    )
    with op.batch_alter_table('moderation_reports', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_reports_open', ['post_id', 'resolved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_reports_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_reports_reporter_id'), ['reporter_id'], unique=False)

    op.create_table('moderation_label_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=True),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('model_version', sa.String(length=80), nullable=True),
    sa.Column('flagged_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['moderation_decisions.id'], ),
    sa.ForeignKeyConstraint(['flag_id'], ['moderation_flags.id'], ),
    sa.ForeignKeyConstraint(['moderator_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('moderation_label_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_label_decisions_post_label', ['post_id', 'label'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_label_decisions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_label_decisions_decision_id'), ['decision_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_label_decisions_flag_id'), ['flag_id'], unique=False)

    op.create_table('moderation_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='open', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolver_id', sa.Integer(), nullable=True),
    sa.Column('outcome_decision_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['decision_id'], ['moderation_decisions.id'], ),
    sa.ForeignKeyConstraint(['outcome_decision_id'], ['moderation_decisions.id'], ),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ),
    sa.ForeignKeyConstraint(['resolver_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('decision_id', name='uq_appeals_once_per_decision')
    )
    with op.batch_alter_table('moderation_appeals', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_appeals_open', ['post_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_appeals_created_at'), ['created_at'], unique=False)

    op.create_table('moderation_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=16), server_default='system', nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('target_user_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], ),
    sa.ForeignKeyConstraint(['target_user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('moderation_audit', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_audit_post', ['post_id'], unique=False)
        batch_op.create_index('ix_moderation_audit_user', ['target_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_audit_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_audit_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_audit_created_at'), ['created_at'], unique=False)

    # The audit log is append-only in the database too. PostgreSQL refuses UPDATE and DELETE
    # (TRUNCATE, a maintenance operation, stays possible); SQLite refuses UPDATE.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION moderation_audit_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'moderation_audit is append-only';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER moderation_audit_no_change BEFORE UPDATE OR DELETE ON moderation_audit
            FOR EACH ROW EXECUTE FUNCTION moderation_audit_append_only()
        """)
    else:
        op.execute("""
            CREATE TRIGGER moderation_audit_no_update BEFORE UPDATE ON moderation_audit
            BEGIN
                SELECT RAISE(ABORT, 'moderation_audit is append-only');
            END
        """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS moderation_audit_no_change ON moderation_audit")
        op.execute("DROP FUNCTION IF EXISTS moderation_audit_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS moderation_audit_no_update")
    op.drop_table('moderation_audit')
    op.drop_table('moderation_appeals')
    op.drop_table('moderation_label_decisions')
    op.drop_table('moderation_reports')
    op.drop_table('moderation_decisions')
