"""Snippets with the matching words marked: text escaped, only <mark> added.

Works on the text of the post as it is in the database at query time, so an edited or hidden
post never shows old words, whatever the index still holds.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from forum.search.analysis import STOP_WORDS, WORD_RE, normalize, stem

Highlight = tuple[set[str], set[str], list[tuple[str, ...]]]


def _matches(text: str, highlight: Highlight) -> tuple[list[tuple[int, int, str]], set[int]]:
    """Token spans with their stems, and the indexes of tokens to mark."""
    stems, prefixes, phrases = highlight
    if text.isascii():      # lowercasing keeps every offset: one pass instead of one call per word
        tokens = [(m.start(), m.end(), m.group()) for m in WORD_RE.finditer(text.lower())]
    else:
        tokens = [(m.start(), m.end(), normalize(m.group())) for m in WORD_RE.finditer(text)]
    marked: set[int] = set()
    content: list[tuple[int, str]] = []
    for index, (_, _, word) in enumerate(tokens):
        if word in STOP_WORDS:
            continue
        s = stem(word)
        content.append((index, s))
        if s in stems or any(word.startswith(p) for p in prefixes):
            marked.add(index)
    for phrase in phrases:
        size = len(phrase)
        for k in range(len(content) - size + 1):
            if all(content[k + j][1] == phrase[j] for j in range(size)):
                marked.update(content[k + j][0] for j in range(size))
    return [(a, b, w) for a, b, w in tokens], marked


def _render(text: str, tokens, marked: set[int], first: int, last: int, to_end: bool = False) -> Markup:
    """Escape text[first token .. last token], wrapping runs of marked words in one <mark>."""
    out = []
    pos = tokens[first][0] if tokens else 0
    end = len(text) if to_end or not tokens else tokens[last][1]
    index = first
    while index <= last:
        if index not in marked:
            index += 1
            continue
        run_end = index
        while run_end + 1 <= last and run_end + 1 in marked and not text[tokens[run_end][1]:tokens[run_end + 1][0]].strip():
            run_end += 1
        start, stop = tokens[index][0], tokens[run_end][1]
        out.append(escape(text[pos:start]))
        out.append(Markup("<mark>") + escape(text[start:stop]) + Markup("</mark>"))
        pos, index = stop, run_end + 1
    out.append(escape(text[pos:end]))
    return Markup("").join(out)


def snippet(text: str, highlight: Highlight, words: int = 32) -> Markup:
    """The window of `words` words holding the most matching words, marked and escaped."""
    text = text or ""
    tokens, marked = _matches(text, highlight)
    if not tokens:
        return escape(text[:200])
    best_start, best_score = 0, -1
    hits = sorted(marked)
    for first in hits or [0]:
        start = 0 if first < words // 2 else first - 4
        score = sum(1 for h in hits if start <= h < start + words)
        if score > best_score:
            best_start, best_score = start, score
    last = min(len(tokens), best_start + words) - 1
    body = _render(text, tokens, marked, best_start, last, to_end=last == len(tokens) - 1)
    lead = Markup("… ") if best_start > 0 else Markup("")
    tail = Markup(" …") if last < len(tokens) - 1 else Markup("")
    return lead + body + tail


def mark_all(text: str, highlight: Highlight) -> Markup:
    """The whole text with every matching word marked (for titles)."""
    tokens, marked = _matches(text or "", highlight)
    if not tokens:
        return escape(text or "")
    return escape(text[:tokens[0][0]]) + _render(text, tokens, marked, 0, len(tokens) - 1, to_end=True)
