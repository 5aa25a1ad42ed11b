"""worker_heartbeats: each worker process records when its loop last came round (/healthz, /metrics)

Revision ID: e3a9c5f1b7d2
Revises: e3a7c1f9b5d2
Create Date: 2026-12-07 07:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3a9c5f1b7d2'
down_revision = 'e3a7c1f9b5d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'worker_heartbeats',
        sa.Column('name', sa.String(length=200), primary_key=True),
        sa.Column('host', sa.String(length=200), nullable=False),
        sa.Column('pid', sa.Integer(), nullable=False),
        sa.Column('last_seen', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_worker_heartbeats_last_seen', 'worker_heartbeats', ['last_seen'])


def downgrade():
    op.drop_index('ix_worker_heartbeats_last_seen', table_name='worker_heartbeats')
    op.drop_table('worker_heartbeats')
