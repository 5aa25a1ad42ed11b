"""comfort: drafts that are never lost, reading preferences, read-later list

Revision ID: 7c0f3a9e51b2
Revises: dd1d9832fd8d
Create Date: 2026-11-25 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c0f3a9e51b2'
down_revision = 'dd1d9832fd8d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=300), server_default='', nullable=False),
    sa.Column('body', sa.Text(), server_default='', nullable=False),
    sa.Column('claim_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(thread_id IS NULL) <> (category_id IS NULL)', name='ck_drafts_one_target'),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('claim_hash')
    )
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.create_index('ix_drafts_user_updated', ['user_id', 'updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_drafts_thread_id'), ['thread_id'], unique=False)

    op.create_table('reading_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text_size', sa.Integer(), server_default='100', nullable=False),
    sa.Column('theme', sa.String(length=20), server_default='auto', nullable=False),
    sa.Column('font', sa.String(length=20), server_default='standard', nullable=False),
    sa.Column('line_spacing', sa.String(length=20), server_default='normal', nullable=False),
    sa.Column('motion', sa.String(length=20), server_default='auto', nullable=False),
    sa.Column('shortcuts', sa.String(length=10), server_default='on', nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )

    op.create_table('read_later',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'thread_id', name='uq_read_later_once')
    )
    with op.batch_alter_table('read_later', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_read_later_thread_id'), ['thread_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_read_later_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('read_later', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_read_later_user_id'))
        batch_op.drop_index(batch_op.f('ix_read_later_thread_id'))
    op.drop_table('read_later')
    op.drop_table('reading_preferences')
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drafts_thread_id'))
        batch_op.drop_index('ix_drafts_user_updated')
    op.drop_table('drafts')
