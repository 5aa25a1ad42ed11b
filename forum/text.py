"""Small text rules shared by forms and services: slugs, name keys, bad characters."""
from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
USERNAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{1,28}[A-Za-z0-9_]$")


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


def email_key(value: str) -> str:
    return unicodedata.normalize("NFKC", value.strip()).casefold()


MAX_ID = 2**63 - 1  # the largest id a database integer column can hold


def parse_id(value: object) -> int | None:
    """An id from a query string or form: ASCII digits within 64 bits, else None."""
    text = str(value or "")
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_ID:
        return None
    return int(text)
