"""Small text rules shared by forms and services: slugs, name keys, bad characters."""
from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{1,28}[A-Za-z0-9_]$")


def plural(n: int, word: str, words: str | None = None) -> str:
    """A count with its noun agreeing: plural(1, "minute") -> '1 minute', plural(2, "day") -> '2 days'."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def sentence(text: str) -> str:
    """The text closed by one full stop, unless it already ends a sentence: 'Spam' -> 'Spam.', 'Why?' stays."""
    text = text.rstrip()
    return text if not text or text.endswith((".", "!", "?", "…")) else text + "."


def clause(text: str) -> str:
    """The text without closing full stops, for a page that adds its own after it."""
    return text.rstrip().rstrip(".").rstrip()


def slugify(value: str, max_length: int = 80) -> str:
    """'Stem cells & HSCT' -> 'stem-cells-hsct'."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    slug = _NON_ALNUM.sub("-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "thread"


def has_invisible(value: str) -> bool:
    return any(unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cn") and ch not in "\n\r\t" for ch in value)


def bad_text_reason(value: str) -> str | None:
    """Why a submitted string cannot be stored, or None when it can."""
    if "\x00" in value:
        return "contains a NUL byte, which is not allowed."
    if "\ufffd" in value:
        return "contains bytes that are not valid UTF-8 text."
    return None


def name_key(value: str) -> str:
    """Case- and compatibility-folded key: 'Tess', 'TESS' and fullwidth 'Ｔｅｓｓ' collide."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


# Look-alikes among the characters a username may hold (Unicode TR39's confusables restricted to
# [A-Za-z0-9_.-]): capital I, digit 1 and small l; O and 0; "rn" and "m"; "vv" and "w"; "cl" and "d".
# Separators are dropped, so moderator.ana, moderator_ana and moderator-ana are one name.
_CONFUSABLE_CHARS = str.maketrans({"I": "l", "1": "l", "|": "l", "O": "o", "0": "o", ".": None, "_": None,
                                   "-": None})
_CONFUSABLE_RUNS = (("rn", "m"), ("vv", "w"), ("cl", "d"))
# Bidirectional controls and zero-width characters: they can reorder or hide text in a title.
_BIDI_AND_ZERO_WIDTH = frozenset("\u061c\u200b\u200c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                 "\u2060\u2066\u2067\u2068\u2069\ufeff")
_ZWJ = "\u200d"


def skeleton(value: str) -> str:
    """What a name looks like: 'AIice', 'alice' and 'a1ice' share one skeleton (compare with ==)."""
    folded = unicodedata.normalize("NFKC", value).translate(_CONFUSABLE_CHARS).casefold()
    for run, same in _CONFUSABLE_RUNS:
        folded = folded.replace(run, same)
    return folded


def hidden_control_reason(value: str) -> str | None:
    """Why a title cannot hold these characters: bidi controls and zero-width characters hide or reorder
    text; a zero-width joiner is allowed only between two symbols (it builds emoji such as 👩‍🦽)."""
    for i, ch in enumerate(value):
        if ch in _BIDI_AND_ZERO_WIDTH:
            return "contains invisible direction or zero-width characters; please remove them."
        if ch == _ZWJ and not (0 < i < len(value) - 1 and not value[i - 1].isalnum() and not value[i + 1].isalnum()
                               and not value[i - 1].isspace() and not value[i + 1].isspace()):
            return "contains invisible direction or zero-width characters; please remove them."
    return None


def email_key(value: str) -> str:
    return unicodedata.normalize("NFKC", value.strip()).casefold()


MAX_ID = 2**63 - 1  # the largest id a database integer column can hold


def parse_id(value: object) -> int | None:
    """An id from a query string or form: ASCII digits within 64 bits, else None."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_ID:
        return None
    return int(text)
