"""Markdown to safe HTML, once, at write time.

cmark-gfm (GitHub's C CommonMark parser, through cmarkgfm) parses CommonMark with the GFM tables,
strikethrough (double tilde only) and autolink extensions; it is linear in the text, where the pure-Python
renderer it replaced took seconds on 200 KB posts built to be slow (issue 18). Before rendering, the syntax
tree is edited in one linear walk:

- raw HTML never passes through: it comes out as the text the member typed ("<div>" reads "<div>");
  an HTML block is parsed again as Markdown with its tags escaped, so its words keep their formatting;
- only http, https and mailto links survive, however they were written (case, control characters,
  entities); a link with any other scheme becomes its words;
- a picture from another site becomes a link "Image: alt" to it (pages never make a request to another
  host); this forum's own pictures (/static/...) stay pictures;
- @name in plain text (not in code, links or e-mail addresses) links to the member's profile.

Links to other sites get rel="nofollow ugc noopener noreferrer"; local links do not. nh3 (ammonia) then
applies a strict allowlist to the HTML, so even a renderer bug cannot let markup through.
"""
from __future__ import annotations

import re
import secrets
from functools import lru_cache
from html import unescape

import cffi
import nh3
from cmarkgfm import _cmark

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

# cmarkgfm's compiled module declares only the whole-document calls; the tree API is in the same shared
# library, so it is reached through a second, ABI-level FFI on that file (same library, same registry of
# extensions). Declarations follow cmark-gfm.h; enums are ints in the C ABI.
_CDEF = """
typedef struct cmark_node cmark_node;
typedef struct cmark_parser cmark_parser;
typedef struct cmark_iter cmark_iter;
typedef struct cmark_syntax_extension cmark_syntax_extension;
typedef struct _cmark_llist cmark_llist;
typedef struct cmark_mem {
  void *(*calloc)(size_t, size_t);
  void *(*realloc)(void *, size_t);
  void (*free)(void *);
} cmark_mem;
cmark_mem *cmark_get_default_mem_allocator(void);
void cmark_gfm_core_extensions_ensure_registered(void);
cmark_syntax_extension *cmark_find_syntax_extension(const char *name);
cmark_parser *cmark_parser_new(int options);
void cmark_parser_free(cmark_parser *parser);
int cmark_parser_attach_syntax_extension(cmark_parser *parser, cmark_syntax_extension *extension);
cmark_llist *cmark_parser_get_syntax_extensions(cmark_parser *parser);
void cmark_parser_feed(cmark_parser *parser, const char *buffer, size_t len);
cmark_node *cmark_parser_finish(cmark_parser *parser);
char *cmark_render_html(cmark_node *root, int options, cmark_llist *extensions);
cmark_node *cmark_node_new(int type);
void cmark_node_free(cmark_node *node);
int cmark_node_get_type(cmark_node *node);
const char *cmark_node_get_type_string(cmark_node *node);
const char *cmark_node_get_literal(cmark_node *node);
int cmark_node_set_literal(cmark_node *node, const char *content);
const char *cmark_node_get_url(cmark_node *node);
int cmark_node_set_url(cmark_node *node, const char *url);
int cmark_node_set_title(cmark_node *node, const char *title);
cmark_node *cmark_node_first_child(cmark_node *node);
cmark_node *cmark_node_parent(cmark_node *node);
int cmark_node_set_list_tight(cmark_node *node, int tight);
int cmark_node_insert_before(cmark_node *node, cmark_node *sibling);
int cmark_node_append_child(cmark_node *node, cmark_node *child);
void cmark_node_unlink(cmark_node *node);
void cmark_consolidate_text_nodes(cmark_node *root);
cmark_iter *cmark_iter_new(cmark_node *root);
void cmark_iter_free(cmark_iter *iter);
int cmark_iter_next(cmark_iter *iter);
cmark_node *cmark_iter_get_node(cmark_iter *iter);
"""
_ffi = cffi.FFI()
_ffi.cdef(_CDEF)
_lib = _ffi.dlopen(_cmark.__file__)
_NULL = _ffi.NULL

# Node types (cmark-gfm.h: blocks are 0x8000 | n, inlines 0x8000 | 0x4000 | n), checked below.
DOCUMENT, LIST, ITEM, HTML_BLOCK, PARAGRAPH = 0x8001, 0x8003, 0x8004, 0x8006, 0x8008
TEXT, SOFTBREAK, LINEBREAK, CODE, HTML_INLINE, LINK, IMAGE = 0xC001, 0xC002, 0xC003, 0xC004, 0xC005, 0xC009, 0xC00A
_ENTER, _EXIT = 2, 3  # cmark_event_type
_OPTIONS = (_cmark.lib.CMARK_OPT_DEFAULT | _cmark.lib.CMARK_OPT_VALIDATE_UTF8
            | _cmark.lib.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE)
_EXTENSIONS = ("table", "strikethrough", "autolink")


def _check_node_types() -> None:
    """Fail at import, not on a post, if the library's numbering ever differs from the constants."""
    names = {DOCUMENT: b"document", LIST: b"list", ITEM: b"item", HTML_BLOCK: b"html_block", PARAGRAPH: b"paragraph", TEXT: b"text",
             SOFTBREAK: b"softbreak", LINEBREAK: b"linebreak", CODE: b"code", HTML_INLINE: b"html_inline",
             LINK: b"link", IMAGE: b"image"}
    for number, name in names.items():
        node = _lib.cmark_node_new(number)
        try:
            found = _ffi.string(_lib.cmark_node_get_type_string(node))
        finally:
            _lib.cmark_node_free(node)
        if found != name:
            raise ImportError(f"cmark-gfm node type {number:#x} is {found!r}, expected {name!r}")


_check_node_types()
_lib.cmark_gfm_core_extensions_ensure_registered()
_EXTENSION_POINTERS = tuple(_lib.cmark_find_syntax_extension(name.encode()) for name in _EXTENSIONS)
if _NULL in _EXTENSION_POINTERS:
    raise ImportError(f"cmark-gfm lacks one of the extensions {_EXTENSIONS}")
_free = _lib.cmark_get_default_mem_allocator().free

_CONTROL_AND_SPACE = {code: None for code in range(0x21)}
_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# A line of a raw HTML block that would start an HTML block again ("<" after at most three spaces), but
# not an autolink such as <https://...> (scheme of 2-32 characters, then ":").
_HTML_LINE_START_RE = re.compile(r"^( {0,3})<(?![A-Za-z][A-Za-z0-9+.-]{1,31}:)", re.MULTILINE)
# A tag as nh3 writes it (attribute values always double-quoted, with " inside as &quot;); text between
# tags never holds a raw "<".
_SERIALIZED_TAG_RE = re.compile(r'(</?[A-Za-z][A-Za-z0-9]*(?:\s+[A-Za-z-]+="[^"]*")*\s*/?>)')
_LINK_OPEN_RE = re.compile(r'<a href="([^"]*)"( title="[^"]*")?')


def _url_scheme(url: str) -> str | None:
    """The scheme a browser would see ("ftp" for ftp://...), None for a relative address.

    Browsers ignore control characters and spaces around and (tab, newline) inside a scheme, so they
    are dropped before looking: "java\\tscript:" is javascript.
    """
    match = _SCHEME_RE.match(url.translate(_CONTROL_AND_SPACE))
    return match.group(1).lower() if match else None


def _allowed_url(url: str) -> bool:
    scheme = _url_scheme(url)
    return scheme is None or scheme in ALLOWED_PROTOCOLS


def _is_local(url: str) -> bool:
    """An address on this forum: "/path", not "//host" (nor "/\\host", which browsers read the same)."""
    url = url.translate(_CONTROL_AND_SPACE)
    return url.startswith("/") and url[1:2] not in ("/", "\\")


def _string(pointer) -> str:
    return "" if pointer == _NULL else _ffi.string(pointer).decode("utf-8", "replace")


def _new_node(node_type: int, literal: str | None = None):
    node = _lib.cmark_node_new(node_type)
    if node == _NULL:
        raise MemoryError("cmark could not allocate a node")
    if literal is not None and not _lib.cmark_node_set_literal(node, literal.encode("utf-8")):
        _lib.cmark_node_free(node)
        raise MemoryError("cmark could not set a node's text")
    return node


def _append_child(node, child) -> None:
    if not _lib.cmark_node_append_child(node, child):
        _lib.cmark_node_free(child)
        raise RuntimeError("cmark refused a tree edit")


def _insert_before(node, new) -> None:
    if not _lib.cmark_node_insert_before(node, new):
        _lib.cmark_node_free(new)
        raise RuntimeError("cmark refused a tree edit")


def _replace(node, replacements: list) -> None:
    """Put `replacements` where `node` is and free `node` (with what is left inside it)."""
    for new in replacements:
        _insert_before(node, new)
    _lib.cmark_node_unlink(node)
    _lib.cmark_node_free(node)


def _unwrap(node) -> None:
    """Move a node's children before it and free it: a link becomes its words."""
    child = _lib.cmark_node_first_child(node)
    while child != _NULL:
        if not _lib.cmark_node_insert_before(node, child):
            raise RuntimeError("cmark refused a tree edit")
        child = _lib.cmark_node_first_child(node)
    _lib.cmark_node_unlink(node)
    _lib.cmark_node_free(node)


def _walk(root):
    """(event, node, type) for every node in document order, from cmark's own (non-recursive) iterator."""
    it = _lib.cmark_iter_new(root)
    if it == _NULL:
        raise MemoryError("cmark could not allocate an iterator")
    try:
        next_event, get_node, get_type = _lib.cmark_iter_next, _lib.cmark_iter_get_node, _lib.cmark_node_get_type
        while True:
            event = next_event(it)
            if event != _ENTER and event != _EXIT:
                return
            node = get_node(it)
            yield event, node, get_type(node)
    finally:
        _lib.cmark_iter_free(it)


def _parse(source: bytes):
    """The syntax tree of `source` (the caller frees it) and the parser's extension list for rendering;
    the parser itself must stay alive while the list is used, so it is returned too."""
    parser = _lib.cmark_parser_new(_OPTIONS)
    if parser == _NULL:
        raise MemoryError("cmark could not allocate a parser")
    try:
        for extension in _EXTENSION_POINTERS:
            _lib.cmark_parser_attach_syntax_extension(parser, extension)
        _lib.cmark_parser_feed(parser, source, len(source))
        root = _lib.cmark_parser_finish(parser)
        if root == _NULL:
            raise MemoryError("cmark could not parse the text")
    except BaseException:
        _lib.cmark_parser_free(parser)
        raise
    return parser, root


def _raw_html_as_text(root, reparse_blocks: bool) -> None:
    """Raw HTML becomes the text the member typed.

    An inline tag becomes a text node with its characters. An HTML block (a line starting with "<div>",
    a comment, ...) swallows the lines after it as raw text; with `reparse_blocks` its lines are parsed
    again as Markdown with each line-starting "<" escaped, so they read as they would without HTML (any
    HTML block that still appears inside a quote or list there becomes one plain paragraph: every
    character is parsed at most twice).
    """
    found = [(node, node_type) for event, node, node_type in _walk(root)
             if node_type == HTML_INLINE or node_type == HTML_BLOCK]
    for node, node_type in found:
        literal = _string(_lib.cmark_node_get_literal(node))
        if node_type == HTML_INLINE:
            _replace(node, [_new_node(TEXT, literal)])
        elif reparse_blocks:
            blocks = _markdown_blocks(_HTML_LINE_START_RE.sub(r"\1\\<", literal))
            parent = _lib.cmark_node_parent(node)
            if len(blocks) > 1 and _lib.cmark_node_get_type(parent) == ITEM:
                # blank lines inside the block now part paragraphs of a list item: the list is loose
                _lib.cmark_node_set_list_tight(_lib.cmark_node_parent(parent), 0)
            _replace(node, blocks)
        else:
            paragraph = _new_node(PARAGRAPH)
            _append_child(paragraph, _new_node(TEXT, literal.rstrip("\n")))
            _replace(node, [paragraph])


def _markdown_blocks(fragment: str) -> list:
    """The top-level blocks of `fragment` parsed on its own, detached and ready to be inserted."""
    parser, root = _parse(fragment.encode("utf-8", "surrogatepass"))
    try:
        _raw_html_as_text(root, reparse_blocks=False)
        blocks = []
        child = _lib.cmark_node_first_child(root)
        while child != _NULL:
            _lib.cmark_node_unlink(child)
            blocks.append(child)
            child = _lib.cmark_node_first_child(root)
        return blocks
    finally:
        _lib.cmark_node_free(root)
        _lib.cmark_parser_free(parser)


def _plain(node) -> str:
    """The words inside a node (an image's description), as its alt text would read."""
    parts = []
    for event, child, child_type in _walk(node):
        if event != _ENTER:
            continue
        if child_type in (TEXT, CODE, HTML_INLINE):
            parts.append(_string(_lib.cmark_node_get_literal(child)))
        elif child_type in (SOFTBREAK, LINEBREAK):
            parts.append(" ")
    return "".join(parts)


def _mention_nodes(text: str, marker: bytes) -> list | None:
    """Text nodes and profile links for a text with @names, or None when it has none.

    A mention is a link whose title is `marker`, a secret made for this one rendering, so that after
    rendering it is told apart from a link a member wrote (which gets no class) and nothing in the text
    can imitate it. (A custom node with its own tags would not do: a table cell may not hold one.)
    """
    out, pos = [], 0
    for match in MENTION_RE.finditer(text):
        if match.start() > pos:
            out.append(_new_node(TEXT, text[pos:match.start()]))
        mention = _new_node(LINK)
        _lib.cmark_node_set_url(mention, f"/u/{match.group(1)}".encode())
        _lib.cmark_node_set_title(mention, marker)
        _append_child(mention, _new_node(TEXT, match.group(0)))
        out.append(mention)
        pos = match.end()
    if not out:
        return None
    if pos < len(text):
        out.append(_new_node(TEXT, text[pos:]))
    return out


def _rewrite(root, mention_marker: bytes | None) -> None:
    """Links, pictures and mentions, in one walk; edits are made afterwards, innermost first, so an edit
    never frees a node that is still to be visited."""
    edits = []
    link_depth = image_depth = 0
    for event, node, node_type in _walk(root):
        if node_type == LINK:
            link_depth += 1 if event == _ENTER else -1
            if event == _ENTER:
                edits.append((LINK, node, 0))
        elif node_type == IMAGE:
            image_depth += 1 if event == _ENTER else -1
            if event == _ENTER:
                edits.append((IMAGE, node, link_depth))
        elif node_type == TEXT and mention_marker and not link_depth and not image_depth:
            edits.append((TEXT, node, 0))
    for kind, node, depth in reversed(edits):
        if kind == LINK:
            if not _allowed_url(_string(_lib.cmark_node_get_url(node))):
                _unwrap(node)
        elif kind == IMAGE:
            _rewrite_image(node, inside_link=bool(depth))
        else:
            text = _string(_lib.cmark_node_get_literal(node))
            replacement = _mention_nodes(text, mention_marker) if "@" in text else None
            if replacement:
                _replace(node, replacement)


def _rewrite_image(node, inside_link: bool) -> None:
    """A picture from another site becomes a link to it: pages never make a request to another host."""
    src = _string(_lib.cmark_node_get_url(node))
    if _is_local(src) and _allowed_url(src):
        return
    alt = _plain(node)
    label = _new_node(TEXT, f"Image: {alt}" if alt else "Image")
    if inside_link or not _allowed_url(src):  # the words are enough
        _replace(node, [label])
        return
    link = _new_node(LINK)
    _lib.cmark_node_set_url(link, src.encode("utf-8"))
    _append_child(link, label)
    _replace(node, [link])


def _finish_links(html: str, mention_marker: str) -> str:
    """Mentions get their class, other sites' links get rel; local links a member wrote stay as they are.

    Raw HTML is gone from the tree, so every "<a href=" in cmark's output is a link it wrote, with the
    href and title it escaped.
    """
    mention_title = f' title="{mention_marker}"'

    def finish(match: re.Match) -> str:
        href, title = match.group(1), match.group(2)
        if title == mention_title:
            return f'<a href="{href}" class="mention"'
        return match.group(0) if _is_local(unescape(href)) else f'{match.group(0)} rel="{LINK_REL}"'

    return _LINK_OPEN_RE.sub(finish, html)


def _quote_text(html: str) -> str:
    """Write quotation marks in text as &quot; (the same text to a browser, and what bleach wrote), so a
    member's typed '<a href="javascript:...">' cannot even look like markup to a careless reader."""
    if '"' not in html:
        return html
    parts = _SERIALIZED_TAG_RE.split(html)
    for i in range(0, len(parts), 2):  # even items are text, odd ones tags
        if '"' in parts[i]:
            parts[i] = parts[i].replace('"', "&quot;")
    return "".join(parts)


def _attribute_filter(tag: str, name: str, value: str) -> str | None:
    if tag == "img" and name == "src" and not _is_local(value):  # only this forum's own pictures
        return None
    return value


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes=set(ALLOWED_PROTOCOLS),
        strip_comments=True,
        link_rel=None,  # rel is set above, on other sites' links only
    )


@lru_cache(maxsize=1)
def _text_only() -> nh3.Cleaner:
    return nh3.Cleaner(tags=set(), attributes={}, strip_comments=True)


def render_markdown(text: str) -> str:
    """Render Markdown to sanitized HTML; the only place post HTML is produced."""
    text = text or ""
    parser, root = _parse(text.encode("utf-8", "surrogatepass"))  # a lone surrogate becomes U+FFFD
    try:
        if "<" in text:
            _raw_html_as_text(root, reparse_blocks=True)
        _lib.cmark_consolidate_text_nodes(root)  # "@Tess" arrives in one piece, whatever came before
        mention_marker = secrets.token_hex(16) if "@" in text else ""
        _rewrite(root, mention_marker.encode())
        rendered = _lib.cmark_render_html(root, _OPTIONS, _lib.cmark_parser_get_syntax_extensions(parser))
        if rendered == _NULL:
            raise MemoryError("cmark could not render the text")
        try:
            html = _ffi.string(rendered).decode("utf-8", "replace")
        finally:
            _free(rendered)
    finally:
        _lib.cmark_node_free(root)
        _lib.cmark_parser_free(parser)
    if "<a " in html:
        html = _finish_links(html, mention_marker)
    return _quote_text(_cleaner().clean(html).strip())


def plain_text(html: str) -> str:
    """Visible text of rendered HTML, entities decoded: what a reader sees, for the classifier and excerpts.

    Callers get plain text, not markup: templates escape it again on output.
    """
    return " ".join(unescape(_text_only().clean(html or "")).split())
