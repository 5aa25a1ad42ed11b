"""known claims and known providers (issue 19): lists moderators edit without retraining

Revision ID: 5b7e2c9d4f10
Revises: 1e633ca17bfd
Create Date: 2026-11-25 09:00:00

The rows themselves are loaded by `flask --app wsgi moderation seed-known` (make db runs it), from
moderation/known_data/claims.json and moderation/data/clinic_domains.txt.
"""
from alembic import op
import sqlalchemy as sa


revision = '5b7e2c9d4f10'
down_revision = '1e633ca17bfd'
branch_labels = None
depends_on = None


def _common():
    return [
        sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('created_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('retired_by', sa.Integer(), sa.ForeignKey('users.id'), nullable=True),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
    ]


def upgrade():
    op.create_table(
        'known_claims',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('claim', sa.Text(), nullable=False),
        sa.Column('paraphrases', sa.Text(), server_default='', nullable=False),
        sa.Column('evidence_url', sa.String(length=500), nullable=False),
        sa.Column('evidence_title', sa.String(length=200), server_default='', nullable=False),
        *_common(),
    )
    op.create_index('ix_known_claims_active', 'known_claims', ['active'])
    op.create_table(
        'known_providers',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('domains', sa.Text(), server_default='', nullable=False),
        sa.Column('phone_prefixes', sa.Text(), server_default='', nullable=False),
        sa.Column('note', sa.Text(), server_default='', nullable=False),
        *_common(),
    )
    op.create_index('ix_known_providers_active', 'known_providers', ['active'])


def downgrade():
    op.drop_index('ix_known_providers_active', table_name='known_providers')
    op.drop_table('known_providers')
    op.drop_index('ix_known_claims_active', table_name='known_claims')
    op.drop_table('known_claims')
