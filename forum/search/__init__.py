"""Forum search: one interface, two backends (Whoosh embedded, PostgreSQL full-text).

    search(query, viewer, page=1, per_page=20, order=None) -> Results
    sync_dirty_posts(batch_size=500) -> int   # the worker: index posts flagged search_dirty
    ensure_index() -> bool                    # the worker: rebuild a missing or corrupt index
    rebuild_index(progress=None) -> int       # `flask search reindex`
    index_post(post) / remove_post(post_id)   # direct index writes, for the worker and tools only

Web requests never write to the index: the board service sets Post.search_dirty and the worker
calls sync_dirty_posts(). The backend is app.config["SEARCH_BACKEND"] ('whoosh', 'postgres', or
'' for automatic: postgres on a PostgreSQL database, else whoosh).
"""
from __future__ import annotations

from forum.search import upkeep  # noqa: F401  (registers the moved-thread listener)
from forum.search.base import RebuildRunning, SearchUnavailable
from forum.search.models import post_search
from forum.search.results import Hit, Results
from forum.search.service import (
    backend_name,
    ensure_index,
    get_backend,
    index_post,
    rebuild_index,
    remove_post,
    search,
    sync_dirty_posts,
)

__all__ = [
    "Hit", "RebuildRunning", "Results", "SearchUnavailable", "backend_name", "ensure_index", "get_backend",
    "index_post", "post_search", "rebuild_index", "remove_post", "search", "sync_dirty_posts",
]
