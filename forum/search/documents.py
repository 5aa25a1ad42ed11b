"""What goes into an index: public posts as documents, read from the database.

A post is indexed when an anonymous reader may see it (forum.visibility decides: not deleted,
not hidden, not held, in a thread whose first post is visible). Everything else is removed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Iterator

from sqlalchemy import select, update

from forum.extensions import db
from forum.models import Post, Thread
from forum.search.analysis import post_text
from forum.visibility import visible_posts_clause, visible_threads_clause


@dataclass
class Document:
    post_id: int
    thread_id: int
    category_id: int
    author_id: int
    created: datetime
    title: str
    text: str


@dataclass
class DirtyPost:
    """A post waiting for the index, with the state it had when read (to clear its flag safely)."""

    id: int
    thread_id: int
    number: int
    revision_count: int
    hidden_at: datetime | None
    deleted_at: datetime | None
    moderation_state: str


def _document_query():
    return (select(Post.id, Post.thread_id, Thread.category_id, Post.author_id, Post.created_at,
                   Thread.title, Post.body_html)
            .join(Thread, Thread.id == Post.thread_id)
            .where(visible_posts_clause(None), visible_threads_clause(None)))


def _to_document(row) -> Document:
    return Document(row.id, row.thread_id, row.category_id, row.author_id, row.created_at, row.title,
                    post_text(row.body_html))


def load_documents(post_ids: Iterable[int]) -> list[Document]:
    """The public posts among `post_ids`, ready to index."""
    ids = list(post_ids)
    docs: list[Document] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        docs.extend(_to_document(r) for r in db.session.execute(_document_query().where(Post.id.in_(chunk))))
    return docs


def count_posts() -> int:
    from sqlalchemy import func

    return db.session.scalar(select(func.count(Post.id))) or 0


def take_dirty(batch_size: int, lock: bool = False) -> list[DirtyPost]:
    """Posts flagged search_dirty, oldest first; on PostgreSQL, rows other workers hold are skipped."""
    stmt = (select(Post.id, Post.thread_id, Post.number, Post.revision_count, Post.hidden_at, Post.deleted_at,
                   Post.moderation_state)
            .where(Post.search_dirty.is_(True)).order_by(Post.id).limit(batch_size))
    if lock:
        stmt = stmt.with_for_update(skip_locked=True, of=Post)
    return [DirtyPost(*row) for row in db.session.execute(stmt)]


def affected_post_ids(dirty: list[DirtyPost]) -> list[int]:
    """The dirty posts plus every post of a thread whose first post changed (title, visibility)."""
    ids = {p.id for p in dirty}
    threads = {p.thread_id for p in dirty if p.number == 1}
    if threads:
        for start in range(0, len(threads), 500):
            chunk = list(threads)[start:start + 500]
            ids.update(db.session.scalars(select(Post.id).where(Post.thread_id.in_(chunk))))
    return sorted(ids)


def lock_free(post_ids: Iterable[int]) -> tuple[list[int], set[int]]:
    """PostgreSQL: lock those of `post_ids` that no other worker holds (id order, SKIP LOCKED).

    Returns the ids now locked and the threads of the ones another worker holds, so a worker
    only ever writes index rows of posts it has locked and never waits for another.
    """
    ids = sorted(set(post_ids))
    locked: list[int] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        locked.extend(db.session.scalars(select(Post.id).where(Post.id.in_(chunk)).order_by(Post.id)
                                         .with_for_update(skip_locked=True, of=Post)))
    held = sorted(set(ids) - set(locked))
    busy: set[int] = set()
    for start in range(0, len(held), 500):
        busy.update(db.session.scalars(select(Post.thread_id).where(Post.id.in_(held[start:start + 500]))))
    return locked, busy


def clear_dirty(dirty: list[DirtyPost]) -> None:
    """Clear the flag only where the post is unchanged since it was read, so no edit is lost."""
    for p in dirty:
        db.session.execute(
            update(Post)
            .where(Post.id == p.id, Post.revision_count == p.revision_count,
                   Post.hidden_at.is_(None) if p.hidden_at is None else Post.hidden_at == p.hidden_at,
                   Post.deleted_at.is_(None) if p.deleted_at is None else Post.deleted_at == p.deleted_at,
                   Post.moderation_state == p.moderation_state)
            .values(search_dirty=False)
            .execution_options(synchronize_session=False))


def clear_dirty_ids(post_ids: list[int]) -> None:
    """Clear flags before a rebuild reads these posts (a later change sets the flag again)."""
    if post_ids:
        db.session.execute(update(Post).where(Post.id.in_(post_ids), Post.search_dirty.is_(True))
                           .values(search_dirty=False).execution_options(synchronize_session=False))


def mark_dirty_from(first_id: int) -> None:
    """After a failed rebuild: flag every post from `first_id` on so the worker indexes them again."""
    db.session.execute(update(Post).where(Post.id >= first_id).values(search_dirty=True)
                       .execution_options(synchronize_session=False))


def id_batches(size: int) -> Iterator[list[int]]:
    """Every post id, in order, `size` at a time."""
    last = 0
    while True:
        ids = list(db.session.scalars(select(Post.id).where(Post.id > last).order_by(Post.id).limit(size)))
        if not ids:
            return
        last = ids[-1]
        yield ids
