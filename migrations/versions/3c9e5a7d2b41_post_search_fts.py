"""post_search: PostgreSQL full-text search table (tsvector + GIN); nothing on SQLite

Revision ID: 3c9e5a7d2b41
Revises: 814fac4b4ad4
Create Date: 2026-11-24 05:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c9e5a7d2b41'
down_revision = '814fac4b4ad4'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite deployments search with Whoosh; the table is PostgreSQL-only
    op.execute("""
        CREATE TABLE post_search (
            post_id integer NOT NULL,
            thread_id integer NOT NULL,
            category_id integer NOT NULL,
            author_id integer NOT NULL,
            created_at timestamp without time zone NOT NULL,
            tsv tsvector NOT NULL,
            CONSTRAINT pk_post_search PRIMARY KEY (post_id),
            CONSTRAINT fk_post_search_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
        )
    """)
    op.execute("CREATE INDEX ix_post_search_tsv ON post_search USING gin (tsv)")
    op.execute("CREATE INDEX ix_post_search_thread ON post_search (thread_id)")
    # Word frequencies for ranking come from the planner statistics of tsv: keep 10,000 of them.
    op.execute("ALTER TABLE post_search ALTER COLUMN tsv SET STATISTICS 1000")
    # Every existing post is indexed by the worker (sync_dirty_posts) or `flask search reindex`.
    op.execute("UPDATE posts SET search_dirty = true")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE IF EXISTS post_search")
