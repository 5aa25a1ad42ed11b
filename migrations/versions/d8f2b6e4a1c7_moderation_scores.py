"""moderation_scores: every scored post's scores and its distance from a threshold, for "least sure"

Revision ID: d8f2b6e4a1c7
Revises: c7e1a9d3f5b2
Create Date: 2026-12-07 06:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd8f2b6e4a1c7'
down_revision = 'c7e1a9d3f5b2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'moderation_scores',
        sa.Column('post_id', sa.Integer(), sa.ForeignKey('posts.id'), primary_key=True),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('margin', sa.Float(), nullable=False),
        sa.Column('model_version', sa.String(length=80), nullable=False),
        sa.Column('scored_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_moderation_scores_margin', 'moderation_scores', ['margin'])


def downgrade():
    op.drop_index('ix_moderation_scores_margin', table_name='moderation_scores')
    op.drop_table('moderation_scores')
