"""categories: archived_at and read_only; threads: pinned_until and closed (issue 16: operating a forum)

Revision ID: e3a7c1f9b5d2
Revises: d8f2b6e4a1c7
Create Date: 2026-12-07 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3a7c1f9b5d2'
down_revision = 'd8f2b6e4a1c7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('categories') as batch:
        batch.add_column(sa.Column('archived_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('read_only', sa.Boolean(), nullable=False, server_default=sa.text('false')))
    with op.batch_alter_table('threads') as batch:
        batch.add_column(sa.Column('pinned_until', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('closed', sa.Boolean(), nullable=False, server_default=sa.text('false')))


def downgrade():
    with op.batch_alter_table('threads') as batch:
        batch.drop_column('closed')
        batch.drop_column('pinned_until')
    with op.batch_alter_table('categories') as batch:
        batch.drop_column('read_only')
        batch.drop_column('archived_at')
