"""The PostgreSQL search table, post_search: one row per public post with its weighted tsvector.

It lives in a MetaData of its own, not in db.metadata: the table exists only on PostgreSQL
(the migration is a no-op on SQLite), and create_all / table cleanups on SQLite must not see it.
Rows reference posts with ON DELETE CASCADE (a constraint the migration creates; the Table below
leaves it out because posts is not in this MetaData), so truncating posts also empties it.
"""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, Table
from sqlalchemy.dialects.postgresql import TSVECTOR

search_metadata = MetaData()

# Tables the search backend creates and swaps itself (raw SQL in the migration and in rebuilds):
# Alembic's autogenerate must leave them alone (migrations/env.py filters them out).
SEARCH_TABLES = frozenset({"post_search", "post_search_build"})

post_search = Table(
    "post_search",
    search_metadata,
    Column("post_id", Integer, primary_key=True),
    Column("thread_id", Integer, nullable=False),
    Column("category_id", Integer, nullable=False),
    Column("author_id", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("tsv", TSVECTOR, nullable=False),
    Index("ix_post_search_tsv", "tsv", postgresql_using="gin"),
    Index("ix_post_search_thread", "thread_id"),
)

# The DDL the migration and a rebuild both use (the rebuild creates post_search_build, then swaps).
CREATE_SQL = """
CREATE TABLE {name} (
    post_id integer NOT NULL,
    thread_id integer NOT NULL,
    category_id integer NOT NULL,
    author_id integer NOT NULL,
    created_at timestamp without time zone NOT NULL,
    tsv tsvector NOT NULL
)
"""
CONSTRAINTS_SQL = [
    "ALTER TABLE {name} ADD CONSTRAINT pk_{name} PRIMARY KEY (post_id)",
    "ALTER TABLE {name} ADD CONSTRAINT fk_{name}_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE",
    "CREATE INDEX ix_{name}_tsv ON {name} USING gin (tsv)",
    "CREATE INDEX ix_{name}_thread ON {name} (thread_id)",
    "ALTER TABLE {name} ALTER COLUMN tsv SET STATISTICS 1000",
]
