"""Markdown to safe HTML, once, at write time.

markdown-it-py renders CommonMark with raw HTML disabled (it comes out as text); bleach then
applies a strict allowlist, so even a renderer bug cannot let markup through.
"""
from __future__ import annotations

import re
from html import unescape
from typing import Callable
from functools import lru_cache

import bleach
from bleach.linkifier import LinkifyFilter
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
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.core.ruler.push("mentions", _mention_rule)
    md.core.ruler.push("external_images", _external_images_rule)
    return md


def _set_rel(attrs: dict, new: bool = False) -> dict | None:
    href = attrs.get((None, "href"), "")
    if href.startswith("/") and not href.startswith("//"):
        return attrs
    attrs[(None, "rel")] = LINK_REL
    return attrs


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
        filters=[lambda source: LinkifyFilter(source, callbacks=[_set_rel], skip_tags={"pre", "code"})],
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
