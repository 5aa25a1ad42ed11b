"""posts.submission_key: a posting form's one-time token, so a double submission posts once

Revision ID: b4d1f7a2c9e3
Revises: 5b7e2c9d4f10
Create Date: 2026-12-07 03:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4d1f7a2c9e3'
down_revision = '5b7e2c9d4f10'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN and a separate unique index: no table rebuild on SQLite
    op.add_column('posts', sa.Column('submission_key', sa.String(length=64), nullable=True))
    op.create_index('uq_posts_author_submission', 'posts', ['author_id', 'submission_key'], unique=True)


def downgrade():
    op.drop_index('uq_posts_author_submission', table_name='posts')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('submission_key')
