"""Markdown to safe HTML, once, at write time.

markdown-it-py renders CommonMark with raw HTML disabled (it comes out as text) and turns bare
addresses into links (linkify-it, linear in the text; bleach's linkifier was quadratic on inputs such
as "1-1-1-..."). Only http, https and mailto links survive, however they were written; bleach then
applies a strict allowlist, so even a renderer bug cannot let markup through.
"""
from __future__ import annotations

import re
from html import unescape
from typing import Callable
from functools import lru_cache

import bleach
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6", "img",
    "table", "thead", "tbody", "tr", "th", "td",
})
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel", "class"],
    "img": ["src", "alt", "title"],
    "ol": ["start"],
    "th": ["align"],
    "td": ["align"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener noreferrer"
MENTION_RE = re.compile(r"(?<![\w@/])@([A-Za-z0-9_][A-Za-z0-9_.-]{1,38}[A-Za-z0-9_])")


def _rewrite_inline(state, rewrite: Callable[[Token, int], list[Token] | None]) -> None:
    """Walk every inline token with its link depth; `rewrite` returns replacements or None to keep it."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        link_depth = 0
        for tok in block.children:
            link_depth += {"link_open": 1, "link_close": -1}.get(tok.type, 0)
            replacement = rewrite(tok, link_depth)
            children.extend([tok] if replacement is None else replacement)
        block.children = children


def _mention_rule(state) -> None:
    """Turn @name in plain text into a link to the member's profile."""
    def rewrite(tok: Token, link_depth: int) -> list[Token] | None:
        if tok.type != "text" or link_depth or "@" not in tok.content:
            return None
        return _split_mentions(tok.content)

    _rewrite_inline(state, rewrite)


def _split_mentions(content: str) -> list[Token]:
    out: list[Token] = []
    pos = 0
    for match in MENTION_RE.finditer(content):
        if match.start() > pos:
            out.append(_text(content[pos:match.start()]))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": f"/u/{match.group(1)}", "class": "mention"}
        out.extend([link, _text(match.group(0)), Token("link_close", "a", -1)])
        pos = match.end()
    if pos < len(content):
        out.append(_text(content[pos:]))
    return out


def _link_scheme(href: str) -> str | None:
    """The scheme of an absolute address ("ftp" for ftp://...), None for a relative one."""
    match = re.match(r"\s*([A-Za-z][A-Za-z0-9+.-]*):", href)
    return match.group(1).lower() if match else None


def _safe_links_rule(state) -> None:
    """Links with a scheme outside ALLOWED_PROTOCOLS become their words; other sites' links get rel."""
    for block in state.tokens:
        if block.type == "inline" and block.children:
            block.children = _safe_links(block.children)


def _safe_links(children: list[Token]) -> list[Token]:
    out: list[Token] = []
    unwrapping = False  # inside a link being turned into words (links do not nest in CommonMark)
    for tok in children:
        if tok.type == "link_open":
            href = str(tok.attrGet("href") or "")
            scheme = _link_scheme(href)
            unwrapping = scheme is not None and scheme not in ALLOWED_PROTOCOLS
            if unwrapping:
                continue
            if not _is_local(href):
                tok.attrSet("rel", LINK_REL)
        elif tok.type == "link_close" and unwrapping:
            unwrapping = False
            continue
        out.append(tok)
    return out


def _is_local(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


def _external_images_rule(state) -> None:
    """A picture from another site becomes a link to it: pages never make a request to another host."""
    def rewrite(tok: Token, link_depth: int) -> list[Token] | None:
        src = str(tok.attrGet("src") or "") if tok.type == "image" else ""
        if tok.type != "image" or _is_local(src):
            return None
        label = _text(f"Image: {tok.content}" if tok.content else "Image")
        if link_depth:  # already inside a link: the words are enough
            return [label]
        link = Token("link_open", "a", 1)
        link.attrs = {"href": src}
        return [link, label, Token("link_close", "a", -1)]

    _rewrite_inline(state, rewrite)


def _text(content: str) -> Token:
    tok = Token("text", "", 0)
    tok.content = content
    return tok


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    md.core.ruler.push("mentions", _mention_rule)
    md.core.ruler.push("external_images", _external_images_rule)
    md.core.ruler.push("safe_links", _safe_links_rule)
    return md


def _image_filter(tag: str, name: str, value: str) -> bool:
    if tag == "img":
        if name == "src":  # only this forum's own images; others became links (_external_images_rule)
            return _is_local(value)
        return name in ("alt", "title")
    allowed = ALLOWED_ATTRIBUTES.get(tag, [])
    return name in allowed


@lru_cache(maxsize=1)
def _cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_image_filter,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Render Markdown to sanitized HTML; the only place post HTML is produced."""
    html = _renderer().render(text or "")
    return _cleaner().clean(html).strip()


def plain_text(html: str) -> str:
    """Visible text of rendered HTML, entities decoded: what a reader sees, for the classifier and excerpts.

    Callers get plain text, not markup: templates escape it again on output.
    """
    return re.sub(r"\s+", " ", unescape(bleach.clean(html, tags=set(), strip=True))).strip()
