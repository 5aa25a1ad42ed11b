"""'Did you mean ...': corrections for words the forum hardly uses.

The dictionary is the vocabulary file plus the words of public thread titles (cached for a few
minutes per process); a correction must be used by more posts than the word typed.
"""
from __future__ import annotations

import re
import threading
import time
from collections import Counter
from typing import Callable

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import select

from forum.extensions import db
from forum.models import Thread
from forum.search.analysis import STOP_WORDS, words
from forum.search.plan import RARE, much_more_common
from forum.search.vocabulary import Vocabulary, edit_budget
from forum.visibility import visible_threads_clause

TITLE_WORDS_TTL = 600.0
_lock = threading.Lock()
_title_words: dict[str, tuple[float, list[str]]] = {}


def title_words(cache_key: str) -> list[str]:
    """Distinct words (4+ letters) of public thread titles, refreshed every TITLE_WORDS_TTL seconds."""
    now = time.monotonic()
    cached = _title_words.get(cache_key)
    if cached and now - cached[0] < TITLE_WORDS_TTL:
        return cached[1]
    with _lock:
        counts: Counter[str] = Counter()
        for title in db.session.scalars(select(Thread.title).where(visible_threads_clause(None))):
            counts.update(w for w in words(title) if len(w) >= 4 and w not in STOP_WORDS and not w.isdigit())
        found = sorted(counts)
        _title_words[cache_key] = (now, found)
        return found


def forget_title_words() -> None:
    _title_words.clear()


def corrections(query_words: list[str], vocab: Vocabulary, doc_frequency: Callable[[str], int],
                cache_key: str) -> dict[str, str]:
    """{typed word: better word} for words that look misspelled."""
    out: dict[str, str] = {}
    for word in dict.fromkeys(query_words):
        budget = edit_budget(word)
        if not budget or word in STOP_WORDS or vocab.knows(word):
            continue
        typed_df = doc_frequency(word)
        if typed_df >= RARE:
            continue
        candidates = vocab.closest(word, budget, limit=3)
        found = process.extract(word, title_words(cache_key), scorer=OSA.distance, score_cutoff=budget, limit=3)
        candidates += [(choice, int(score)) for choice, score, _ in found]
        best = None
        for candidate, distance in sorted(set(candidates), key=lambda c: c[1]):
            if candidate == word:
                continue
            df = doc_frequency(candidate)
            if much_more_common(df, typed_df) and (best is None or (distance, -df) < (best[1], -best[2])):
                best = (candidate, distance, df)
        if best:
            out[word] = best[0]
    return out


def rewrite(raw: str, fixes: dict[str, str]) -> str:
    """The query as typed, with each corrected word replaced (filters and quotes untouched)."""
    for wrong, right in fixes.items():
        raw = re.sub(rf"(?<![\w:@#]){re.escape(wrong)}(?!\w)", right, raw, flags=re.IGNORECASE)
    return raw
