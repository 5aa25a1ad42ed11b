"""Text helpers shared by training and scoring (pure Python: no torch, no numpy)."""
from __future__ import annotations

import re

# A sentence ends at . ! ? … (with closing quotes/brackets) followed by whitespace, or at a line break.
_SENT_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|\n+")
_HAS_CONTENT = re.compile(r"[^\W_]", re.UNICODE)  # a letter or a digit in any script
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ASCII_LETTERS = re.compile(r"[A-Za-z]")
_LETTERS = re.compile(r"[^\W\d_]")

_EN_STOPWORDS = frozenset("""
a about after all also am an and any anyone are as at be been before but by can could did do does don't for from
get got had has have he her here him his how i i'm if in is it it's just me my no not now of on one or our out
she so some than that the their them then there they this to too up us very was we were what when which who why
will with would you your""".split())


def sentence_spans(text: str, max_len: int = 600) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences of text, whitespace trimmed, in order.

    Sentences longer than max_len characters (run-on text with no punctuation) are cut at the last space
    before max_len so that each span stays readable in the moderation queue.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _SENT_END.finditer(text):
        _add_span(text, pos, m.start(), spans, max_len)
        pos = m.end()
    _add_span(text, pos, len(text), spans, max_len)
    return spans


def _add_span(text: str, a: int, b: int, spans: list, max_len: int) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    while b - a > max_len:
        cut = text.rfind(" ", a + max_len // 2, a + max_len)
        cut = cut if cut > a else a + max_len
        spans.append((a, cut))
        a = cut
        while a < b and text[a].isspace():
            a += 1
    if b > a:
        spans.append((a, b))


def has_content(text: str) -> bool:
    """True if text has at least one letter or digit (emoji-only and punctuation-only posts have none)."""
    return bool(text) and _HAS_CONTENT.search(text) is not None


def looks_english(text: str) -> bool:
    """Cheap guess whether the (all-MiniLM, English-only) encoder can read this post.

    False when most letters are outside the Latin alphabet, or when a post of 8+ words has almost no common
    English function words (Spanish, German, ...). Short posts get the benefit of the doubt.
    """
    sample = text[:5000]
    if not sample.isascii():
        letters = len(_LETTERS.findall(sample))
        if letters and len(_ASCII_LETTERS.findall(sample)) / letters < 0.5:
            return False
    words = _WORD.findall(sample.lower())
    if len(words) < 8:
        return True
    stop = sum(1 for w in words if w in _EN_STOPWORDS)
    return stop / len(words) >= 0.08


def shorten(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
