"""MS vocabulary: synonym groups and a spelling dictionary, read from a plain text file.

The file (forum/search/data/synonyms.txt by default; SEARCH_SYNONYMS_FILE overrides it) uses the
Solr synonyms format: "a, b, c" is a group of equals; "a, b => c, d" expands a and b to c and d
but not the other way round (a broader term finding narrower ones). It is read again whenever it changes on disk, so admins
edit it without a code change or a reindex: synonyms are applied to queries.

An index may also carry each group as one token (group_token(): a hash of the group's members), so
that a group is one term lookup instead of one per member. The token names the members, not the
line, so an edited group simply has a new token that the old index lacks, and the query falls back
to looking up its members one by one until the next reindex.
"""
from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, has_app_context
from rapidfuzz import process
from rapidfuzz.distance import OSA

from forum.search.analysis import STOP_WORDS, stem, words

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "synonyms.txt"


@dataclass(frozen=True)
class Entry:
    """One term of a group: its words as written (lowercase) and the stems used to match it."""

    words: tuple[str, ...]
    key: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass
class Vocabulary:
    groups: list[list[Entry]] = field(default_factory=list)
    by_key: dict[tuple[str, ...], set[int]] = field(default_factory=dict)
    max_words: int = 1
    spelling: list[str] = field(default_factory=list)

    def add_group(self, terms: list[str], expands_to: list[str] | None = None) -> None:
        """Equal terms, or (with `expands_to`) terms that also find the narrower `expands_to`."""
        entries = _entries(terms)
        targets = _entries(expands_to or [])
        if not entries:
            return
        index = len(self.groups)
        self.groups.append(entries + [t for t in targets if t not in entries])
        if len(self.groups[index]) > 1:
            for entry in entries:
                self.by_key.setdefault(entry.key, set()).add(index)
                self.max_words = max(self.max_words, len(entry.key))

    def longest_match(self, stems: list[str], start: int) -> tuple[int, tuple[str, ...] | None]:
        """Length (in stems) of the longest vocabulary term starting at stems[start]."""
        for length in range(min(self.max_words, len(stems) - start), 0, -1):
            key = tuple(stems[start:start + length])
            if key in self.by_key:
                return length, key
        return 0, None

    def synonyms(self, key: tuple[str, ...]) -> list[Entry]:
        """Every term sharing a group with `key`, without `key` itself, in file order."""
        seen: set[tuple[str, ...]] = {key}
        out: list[Entry] = []
        for index in sorted(self.by_key.get(key, ())):
            for entry in self.groups[index]:
                if entry.key not in seen:
                    seen.add(entry.key)
                    out.append(entry)
        return out

    def group_tokens(self, key: tuple[str, ...]) -> tuple[str, ...]:
        """The index tokens of the groups a query for `key` expands to (see synonyms())."""
        return tuple(group_token(self.groups[i]) for i in sorted(self.by_key.get(key, ())))

    def index_table(self) -> dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]]:
        """For indexing: {last stem of a term: ((term stems, tokens of every group holding the term), ...)}.

        Every member of a group gets the group's token, the narrower terms of "a => b" included,
        so a document holds a group's token exactly when it holds one of the terms the group finds."""
        tokens: dict[tuple[str, ...], set[str]] = {}
        for group in self.groups:
            if len(group) > 1:
                token = group_token(group)
                for entry in group:
                    tokens.setdefault(entry.key, set()).add(token)
        table: dict[str, list] = {}
        for key, found in sorted(tokens.items()):
            table.setdefault(key[-1], []).append((key, tuple(sorted(found))))
        return {last: tuple(sorted(entries, key=lambda e: -len(e[0]))) for last, entries in table.items()}

    def knows(self, word: str) -> bool:
        return word in self._spelling_set

    def closest(self, word: str, max_distance: int, limit: int = 3) -> list[tuple[str, int]]:
        """Dictionary words within `max_distance` edits (transpositions count once), nearest first."""
        if max_distance < 1 or not self.spelling:
            return []
        found = process.extract(word, self.spelling, scorer=OSA.distance, score_cutoff=max_distance, limit=limit)
        return [(choice, int(score)) for choice, score, _ in sorted(found, key=lambda f: (f[1], f[2]))]

    def finish(self) -> "Vocabulary":
        spelled = {w for group in self.groups for e in group for w in e.words if len(w) >= 3}
        self.spelling = sorted(spelled)
        self._spelling_set = frozenset(spelled)
        return self


GROUP_PREFIX = "~"   # never part of a word (analysis.WORD_RE), so a group token cannot meet a real word


def group_token(group: list[Entry]) -> str:
    """One term standing for "any member of this group", stable while the members stay the same."""
    members = "|".join(sorted(" ".join(e.key) for e in group))
    return GROUP_PREFIX + hashlib.sha1(members.encode("utf-8")).hexdigest()[:12]


def _entries(terms: list[str]) -> list[Entry]:
    entries = []
    for term in terms:
        tokens = tuple(words(term))
        key = tuple(stem(t) for t in tokens if t not in STOP_WORDS)
        if key and all(e.key != key for e in entries):
            entries.append(Entry(tokens, key))
    return entries


def _terms(part: str) -> list[str]:
    return [t.strip() for t in part.split(",") if t.strip()]


def parse(text: str) -> Vocabulary:
    vocab = Vocabulary()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=>" in line:
            left, right = line.split("=>", 1)
            vocab.add_group(_terms(left), _terms(right))
        else:
            vocab.add_group(_terms(line))
    return vocab.finish()


def vocabulary_path() -> Path:
    configured = (current_app.config.get("SEARCH_SYNONYMS_FILE") if has_app_context() else None) \
        or os.environ.get("SEARCH_SYNONYMS_FILE")
    return Path(configured) if configured else DEFAULT_FILE


_lock = threading.Lock()
_cache: dict[Path, tuple[float, Vocabulary]] = {}


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """The vocabulary in `path`, parsed once and again only when the file's mtime changes."""
    path = path or vocabulary_path()
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return Vocabulary().finish()
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    with _lock:
        vocab = parse(path.read_text(encoding="utf-8"))
        _cache[path] = (mtime, vocab)
    return vocab


def edit_budget(word: str) -> int:
    """How many typing mistakes a word of this length may carry and still be corrected."""
    if len(word) < 5 or word.isdigit():
        return 0
    return 1 if len(word) < 8 else 2
