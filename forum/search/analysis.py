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

from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis import STOP_WORDS as _WHOOSH_STOP_WORDS
from whoosh.lang.snowball.english import EnglishStemmer

from forum.markup import plain_text

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


def whoosh_analyzer():
    """The analyzer of the Whoosh title and body fields (stop words dropped, positions renumbered)."""
    return (RegexTokenizer(WORD_PATTERN) | LowercaseFilter()
            | StopFilter(stoplist=STOP_WORDS, minsize=1) | StemFilter(stemfn=stem))


def post_text(body_html: str) -> str:
    """The text of a post as readers see it (rendered, not Markdown), entities decoded."""
    return html.unescape(plain_text(body_html or ""))
