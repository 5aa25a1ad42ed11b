"""Page-number parsing with a clear 400 for nonsense and a 404 past the end."""
from __future__ import annotations

import math
from dataclasses import dataclass

from flask import abort, current_app


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def parse_page_number(raw: str | None) -> int:
    """Turn ?page= into 1..MAX_PAGE or answer 400 naming the problem."""
    if raw in (None, ""):
        return 1
    limit = current_app.config["MAX_PAGE"]
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= limit:
        abort(400, description=f"The page number must be a whole number from 1 to {limit}.")
    return int(raw)


def make_page(raw: str | None, per_page: int, total: int) -> Page:
    page = Page(parse_page_number(raw), per_page, total)
    if page.number > page.pages:
        abort(404, description=f"There is no page {page.number}; the last page is {page.pages}.")
    return page
