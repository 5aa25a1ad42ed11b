"""What every search backend provides, and the few types they share."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Protocol

from forum.search.plan import Plan

Progress = Callable[[int, int], None]   # (posts done, posts in all)


class SearchUnavailable(RuntimeError):
    """The index cannot be read right now (missing, corrupt, being repaired)."""


class RebuildRunning(RuntimeError):
    """Another process is rebuilding the index."""


@dataclass
class RawHit:
    post_id: int
    thread_id: int
    score: float | None
    created: datetime | None
    more_in_thread: int = 0
    partial: bool | None = None      # True: has only some of the query's words
    docnum: int | None = None        # the embedded index's own document number, while collecting


@dataclass
class RawPage:
    hits: list[RawHit] = field(default_factory=list)
    total: int = 0
    estimated: bool = False          # total is an estimate (not every match was counted)


class Backend(Protocol):
    name: str

    def search(self, plan: Plan, limit: int) -> RawPage: ...

    def doc_frequency(self, word: str) -> int: ...

    def sync_dirty(self, batch_size: int) -> int: ...

    def index_ids(self, post_ids: list[int]) -> None: ...

    def remove_ids(self, post_ids: list[int]) -> None: ...

    def ensure(self) -> bool: ...

    def rebuild(self, progress: Progress | None = None) -> int: ...
