"""The query language forum users know from Discourse, parsed leniently.

    tecfidera hair loss            words (all of them, any word form, synonyms, typos forgiven)
    "hair loss"                    an exact phrase
    ocre*                          words starting with "ocre"
    category:stem-cells  #slug     one category
    author:tess  @tess  user:tess  one member's posts
    in:title                       only thread titles
    before:2024-05-31 after:2023   dates (YYYY, YYYY-MM or YYYY-MM-DD)
    order:latest                   newest first instead of best first

Nothing here raises: whatever cannot be understood is searched as words or dropped, and a
message says so.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from forum.search.analysis import WORD_RE, normalize

MAX_QUERY_LENGTH = 500
MAX_TERMS = 32
QUOTES = "\"“”„«»"
FIELD_RE = re.compile(r"^([A-Za-z_]+):(.*)$", re.S)
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
ORDERS = {"latest": "latest", "newest": "latest", "recent": "latest", "relevance": "relevance", "best": "relevance"}


@dataclass
class Segment:
    """Words typed together: a quoted phrase, a run of bare words, or one prefix word (ocre*)."""

    words: list[str]
    quoted: bool = False
    prefix: bool = False


@dataclass
class ParsedQuery:
    raw: str
    segments: list[Segment] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    in_title: bool = False
    before: date | None = None
    after: date | None = None
    order: str | None = None
    messages: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return [w for s in self.segments for w in s.words]

    @property
    def has_filters(self) -> bool:
        return bool(self.categories or self.authors or self.before or self.after)

    @property
    def is_empty(self) -> bool:
        return not self.segments and not self.has_filters


def clean(raw: str) -> tuple[str, list[str]]:
    """Drop control characters and cut very long queries, saying so."""
    messages = []
    text = "".join(" " if (ord(ch) < 32 or ch in "\x7f\ufffd") else ch for ch in raw or "")
    if text != (raw or "") and any(ord(ch) < 32 and ch not in "\t\r\n" for ch in raw or ""):
        messages.append("Control characters in the search were ignored.")
    if len(text) > MAX_QUERY_LENGTH:
        text = text[:MAX_QUERY_LENGTH]
        messages.append(f"The search was cut to its first {MAX_QUERY_LENGTH} characters.")
    return text.strip(), messages


def parse(raw: str) -> ParsedQuery:
    text, messages = clean(raw)
    query = ParsedQuery(raw=text, messages=messages)
    pending: list[str] = []          # bare words waiting to become a segment

    def flush() -> None:
        if pending:
            query.segments.append(Segment(list(pending)))
            pending.clear()

    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace() or ch in "()[]{}":
            i += 1
            continue
        if ch in QUOTES:
            phrase, i = _read_quoted(text, i, query)
            flush()
            tokens = WORD_RE.findall(normalize(phrase))
            if tokens:
                query.segments.append(Segment(tokens, quoted=True))
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in QUOTES + "()[]{}":
            j += 1
        token = text[i:j]
        if j < n and text[j] in QUOTES and token.endswith(":"):
            value, j = _read_quoted(text, j, query)
            token += value
        i = j
        if _apply_filter(query, token):
            flush()
            continue
        _add_words(query, token, pending, flush)
    flush()
    _limit_terms(query)
    return query


def _read_quoted(text: str, start: int, query: ParsedQuery) -> tuple[str, int]:
    end = start + 1
    while end < len(text) and text[end] not in QUOTES:
        end += 1
    if end >= len(text):
        query.messages.append("A quotation mark was not closed, so the rest of the search was taken as a phrase.")
        return text[start + 1:], len(text)
    return text[start + 1:end], end + 1


def _add_words(query: ParsedQuery, token: str, pending: list[str], flush) -> None:
    tokens = WORD_RE.findall(normalize(token))
    if token.endswith("*") and tokens:
        *rest, last = tokens
        pending.extend(rest)
        if len(last) >= 2:
            flush()
            query.segments.append(Segment([last], prefix=True))
        else:
            pending.append(last)
        return
    if not tokens and "*" in token and not query.messages.count(_STAR_MESSAGE):
        query.messages.append(_STAR_MESSAGE)
    pending.extend(tokens)


_STAR_MESSAGE = "A * needs at least two letters before it (ocre* finds ocrelizumab); it was ignored."


def _apply_filter(query: ParsedQuery, token: str) -> bool:
    """Handle @name, #slug and field:value; False when the token is ordinary words."""
    if token.startswith("@") and len(token) > 1:
        query.authors.append(token[1:])
        return True
    if token.startswith("#") and len(token) > 1:
        query.categories.append(token[1:].strip(QUOTES).lower())
        return True
    match = FIELD_RE.match(token)
    if not match:
        return False
    name, value = match.group(1).lower(), match.group(2).strip().strip(QUOTES).strip()
    if name in ("category", "cat", "categories"):
        if _need(query, name, value):
            query.categories.append(value.lower())
        return True
    if name in ("author", "user", "by"):
        if _need(query, name, value):
            query.authors.append(value.lstrip("@"))
        return True
    if name == "in":
        if value.lower() in ("title", "titles"):
            query.in_title = True
        else:
            query.messages.append(f"in:{value} is not something search knows; only in:title is. It was ignored.")
        return True
    if name in ("before", "after"):
        parsed = _parse_date(value, name == "before")
        if parsed is None:
            query.messages.append(f"{name}: needs a date like 2024-05-31; “{value}” was ignored.")
        else:
            setattr(query, name, parsed)
        return True
    if name in ("order", "sort"):
        if value.lower() in ORDERS:
            query.order = ORDERS[value.lower()]
        else:
            query.messages.append(f"order:{value} is not known; use order:latest. It was ignored.")
        return True
    if value and not value.isdigit():
        query.messages.append(f"“{name}:” is not a search filter, so “{name} {value}” was searched as words.")
    return False


def _need(query: ParsedQuery, name: str, value: str) -> bool:
    if not value:
        query.messages.append(f"{name}: needs a value after the colon; it was ignored.")
        return False
    return True


def _parse_date(value: str, is_before: bool) -> date | None:
    match = DATE_RE.match(value)
    if not match:
        return None
    year, month, day = int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _limit_terms(query: ParsedQuery) -> None:
    count = 0
    kept: list[Segment] = []
    for segment in query.segments:
        room = MAX_TERMS - count
        if room <= 0:
            break
        if len(segment.words) > room:
            segment = Segment(segment.words[:room], segment.quoted, segment.prefix)
        kept.append(segment)
        count += len(segment.words)
    if count < len(query.words):
        query.messages.append(f"Only the first {MAX_TERMS} words were searched.")
    query.segments = kept
