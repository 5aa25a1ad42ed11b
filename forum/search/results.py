"""What a search returns: one hit per thread (its best post), a total, and messages for the reader."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from markupsafe import Markup


@dataclass
class Hit:
    post_id: int
    external_id: str | None
    thread_id: int
    thread_title: str
    thread_slug: str
    title_html: Markup
    snippet: Markup
    score: float | None
    created: datetime
    author: str
    category_name: str
    category_slug: str
    post_number: int
    more_in_thread: int = 0

    def to_json(self) -> dict:
        return {
            "post_id": self.post_id,
            "external_id": self.external_id,
            "thread_id": self.thread_id,
            "thread_title": self.thread_title,
            "snippet": str(self.snippet),
            "score": round(self.score, 4) if self.score is not None else None,
            "created": self.created.isoformat() + "Z",
        }


@dataclass
class Results:
    query: str
    page: int = 1
    per_page: int = 20
    order: str = "relevance"
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    total_estimated: bool = False        # total counts threads in a sample of the matches: say "about"
    messages: list[str] = field(default_factory=list)
    suggestion: str | None = None        # "Did you mean ..."
    corrected_from: str | None = None    # set when results are shown for the suggestion instead
    corrected_to: str | None = None      # the query as searched, when misspelt words were searched as corrected
    as_typed: bool = False               # asked for no spelling corrections ("Search instead for ...")
    unavailable: bool = False
    backend: str = ""
    partial_from: int | None = None      # rank (0-based, all pages) where threads with only some words begin

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    def to_json(self) -> dict:
        return {"query": self.query, "total": self.total, "total_is_estimate": self.total_estimated,
                "page": self.page, "per_page": self.per_page, "results": [h.to_json() for h in self.hits], "suggestion": self.suggestion,
                "messages": self.messages}
