"""Words as search sees them: one tokenizer, stop list and English stemmer for every backend.

The Whoosh analyzer, the query planner, the vocabulary and the snippet highlighter all use
these functions, so a word typed in a query, a word in the synonym file and a word in a post
meet in the same form ("Injections" -> "inject").
"""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from whoosh.analysis import STOP_WORDS as _WHOOSH_STOP_WORDS
from whoosh.analysis import Analyzer, Token
from whoosh.lang.snowball.english import EnglishStemmer

WORD_PATTERN = r"\w+"
WORD_RE = re.compile(WORD_PATTERN)
STOP_WORDS = frozenset(_WHOOSH_STOP_WORDS)
_stemmer = EnglishStemmer()


def normalize(text: str) -> str:
    """Compatibility-fold and lowercase (fullwidth letters, ligatures, case)."""
    return unicodedata.normalize("NFKC", text).casefold()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """English (Snowball/Porter2) stem of a lowercase word, the same stemmer PostgreSQL's 'english' uses."""
    return _stemmer.stem(word)


def words(text: str) -> list[str]:
    """Lowercase word tokens, stop words kept."""
    return WORD_RE.findall(normalize(text))


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOP_WORDS]


class SearchAnalyzer(Analyzer):
    """Whoosh analyzer for titles and bodies: words(), stop words dropped (positions renumbered,
    so phrases skip them), stemmed. One loop instead of a chain of filters: indexing is about twice
    as fast, which matters for a rebuild of 200,000 posts.

    With `groups` (Vocabulary.index_table()), each synonym-group term found in the text also yields
    its groups' tokens at the term's first position (the word positions are unchanged, so phrases
    still match). The table is pickled with the index's schema, so every later write to that index
    uses the vocabulary the index was built with."""

    groups: dict | None = None     # class default: indexes built before group tokens have none

    def __init__(self, groups: dict | None = None):
        self.groups = groups or None

    def __eq__(self, other):
        return isinstance(other, SearchAnalyzer) and self.groups == other.groups

    @property
    def group_tokens(self) -> frozenset[str]:
        """Every group token this index holds (empty for an index without them)."""
        cached = self.__dict__.get("_tokens")
        if cached is None:
            cached = frozenset(t for entries in (self.groups or {}).values() for _, tokens in entries for t in tokens)
            self.__dict__["_tokens"] = cached
        return cached

    def __getstate__(self):
        return {"groups": self.groups}

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        groups = self.groups
        recent: list[str] = []
        pos = start_pos
        for match in WORD_RE.finditer(normalize(value)):
            word = match.group()
            if word in STOP_WORDS:
                continue
            token.text, token.boost, token.stopped = stem(word), 1.0, False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar, token.endchar = start_char + match.start(), start_char + match.end()
            yield token
            if groups:
                recent.append(token.text)
                found = groups.get(token.text)
                if found:
                    yield from _group_tokens(token, found, recent, pos - 1)


def _group_tokens(token: Token, found, recent: list[str], last_pos: int):
    for key, tokens in found:
        size = len(key)
        if size > 1 and tuple(recent[-size:]) != key:
            continue
        for group in tokens:
            token.text = group
            if token.positions:
                token.pos = last_pos - size + 1
            yield token


def whoosh_analyzer(groups: dict | None = None) -> SearchAnalyzer:
    """The analyzer of the Whoosh title and body fields (with synonym-group tokens when `groups` is given)."""
    return SearchAnalyzer(groups)


_TAG_RE = re.compile(r"<[^>]*>")


def post_text(body_html: str) -> str:
    """The text of a post as readers see it (rendered, not Markdown), entities decoded.

    body_html was sanitized by forum.markup at write time (strict allowlist, no comments, no
    script), so every tag is a plain <...> and a regular expression strips them exactly; this
    gives the words forum.markup.plain_text gives, about thirty times faster (a rebuild reads
    every post), and keeps words apart where tags touch ("<li>a</li><li>b</li>").
    """
    return " ".join(html.unescape(_TAG_RE.sub(" ", body_html or "")).split())
