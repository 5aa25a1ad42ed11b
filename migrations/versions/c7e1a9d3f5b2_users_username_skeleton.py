"""users.username_skeleton: what a name looks like, so look-alike names (AIice, moderator.ana) are refused

Revision ID: c7e1a9d3f5b2
Revises: b4d1f7a2c9e3
Create Date: 2026-12-07 05:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7e1a9d3f5b2'
down_revision = 'b4d1f7a2c9e3'
branch_labels = None
depends_on = None


def upgrade():
    from forum.text import skeleton

    op.add_column('users', sa.Column('username_skeleton', sa.String(length=40), nullable=True))
    # not unique: members registered before this rule may already look alike
    op.create_index('ix_users_username_skeleton', 'users', ['username_skeleton'])
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('username', sa.String),
                     sa.column('username_skeleton', sa.String))
    bind = op.get_bind()
    for user_id, username in bind.execute(sa.select(users.c.id, users.c.username)).all():
        bind.execute(users.update().where(users.c.id == user_id).values(username_skeleton=skeleton(username)))


def downgrade():
    op.drop_index('ix_users_username_skeleton', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('username_skeleton')
