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
cmark_node *cmark_node_first_child(cmark_node *node);
cmark_node *cmark_node_next(cmark_node *node);
int cmark_node_set_type(cmark_node *node, int type);
int cmark_node_prepend_child(cmark_node *node, cmark_node *child);
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
DOCUMENT, BLOCK_QUOTE, LIST, ITEM, HTML_BLOCK, PARAGRAPH = 0x8001, 0x8002, 0x8003, 0x8004, 0x8006, 0x8008
TEXT, SOFTBREAK, LINEBREAK, CODE, HTML_INLINE, LINK, IMAGE = 0xC001, 0xC002, 0xC003, 0xC004, 0xC005, 0xC009, 0xC00A
_INLINE = 0x4000
_CONTAINERS = frozenset({DOCUMENT, BLOCK_QUOTE, LIST, ITEM})
_ENTER, _EXIT = 2, 3  # cmark_event_type
_OPTIONS = (_cmark.lib.CMARK_OPT_DEFAULT | _cmark.lib.CMARK_OPT_VALIDATE_UTF8
            | _cmark.lib.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE)
_EXTENSIONS = ("table", "strikethrough", "autolink")
MAX_NESTING = 32  # quotes and lists inside one another; deeper ones are flattened (_flatten)


def _check_node_types() -> None:
    """Fail at import, not on a post, if the library's numbering ever differs from the constants."""
    names = {DOCUMENT: b"document", BLOCK_QUOTE: b"block_quote", LIST: b"list", ITEM: b"item", HTML_BLOCK: b"html_block", PARAGRAPH: b"paragraph", TEXT: b"text",
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

_CONTROL_AND_SPACE = bytes(range(0x21))
_SCHEME_RE = re.compile(rb"([A-Za-z][A-Za-z0-9+.-]*):")
# A line of a raw HTML block that would start an HTML block again ("<" after at most three spaces), but
# not an autolink such as <https://...> (scheme of 2-32 characters, then ":").
_HTML_LINE_START_RE = re.compile(rb"^( {0,3})<(?![A-Za-z][A-Za-z0-9+.-]{1,31}:)", re.MULTILINE)
# What cmark writes for a link (href percent-encoded, title escaped: neither holds a raw '"').
_LINK_OPEN_RE = re.compile(r'<a href="([^"]*)"')
_UNCHECKED_LINK_RE = re.compile(r'<a href="(?!https?://|mailto:|/)')  # anything but the plainly allowed
# Where an @name is not plain text: links, code, and inside any tag (alt and title). cmark writes every
# <a> and <code> closed and escapes ">" inside attributes, so each region ends at its first closing tag.
_NOT_PLAIN_TEXT_RE = re.compile(r"(<a [^>]*>.*?</a>|<code[^>]*>.*?</code>|<[^>]*>)", re.DOTALL)
# A tag as nh3 writes it (attribute values always double-quoted, with " inside as &quot;); text between
# tags never holds a raw "<".
_SERIALIZED_TAG_RE = re.compile(r'(</?[A-Za-z][A-Za-z0-9]*(?:\s+[A-Za-z-]+="[^"]*")*\s*/?>)')


def _url_scheme(url: bytes) -> bytes | None:
    """The scheme a browser would see (b"ftp" for ftp://...), None for a relative address.

    Browsers ignore control characters and spaces around and (tab, newline) inside a scheme, so they
    are dropped before looking: "java\\tscript:" is javascript. Entities were decoded by the parser.
    """
    match = _SCHEME_RE.match(url.translate(None, _CONTROL_AND_SPACE))
    return match.group(1).lower() if match else None


_ALLOWED_SCHEMES = frozenset(scheme.encode() for scheme in ALLOWED_PROTOCOLS)


def _allowed_url(url: bytes) -> bool:
    scheme = _url_scheme(url)
    return scheme is None or scheme in _ALLOWED_SCHEMES


def _is_local(url: str | bytes) -> bool:
    """An address on this forum: "/path", not "//host" (nor "/\\host", which browsers read the same)."""
    if isinstance(url, str):
        url = url.encode("utf-8", "replace")
    url = url.translate(None, _CONTROL_AND_SPACE)
    return url.startswith(b"/") and url[1:2] not in (b"/", b"\\")


def _new_node(node_type: int, literal: bytes | None = None):
    node = _lib.cmark_node_new(node_type)
    if node == _NULL:
        raise MemoryError("cmark could not allocate a node")
    if literal is not None and not _lib.cmark_node_set_literal(node, literal):
        _lib.cmark_node_free(node)
        raise MemoryError("cmark could not set a node's text")
    return node


def _refused() -> RuntimeError:
    return RuntimeError("cmark refused a tree edit")


def _set_type(node, node_type: int) -> None:
    if not _lib.cmark_node_set_type(node, node_type):
        raise _refused()


def _append_child(node, child) -> None:
    if not _lib.cmark_node_append_child(node, child):
        _lib.cmark_node_free(child)
        raise _refused()


def _replace(node, replacements: list) -> None:
    """Put `replacements` where `node` is and free `node` (with what is left inside it)."""
    for i, new in enumerate(replacements):
        if not _lib.cmark_node_insert_before(node, new):
            for left in replacements[i:]:
                _lib.cmark_node_free(left)
            raise _refused()
    _lib.cmark_node_unlink(node)
    _lib.cmark_node_free(node)


def _move_children_before(node, target) -> None:
    child = _lib.cmark_node_first_child(node)
    while child != _NULL:
        if not _lib.cmark_node_insert_before(target, child):
            raise _refused()
        child = _lib.cmark_node_first_child(node)


def _unwrap(node) -> None:
    """Move a node's children before it and free it: a link becomes its words."""
    _move_children_before(node, node)
    _lib.cmark_node_unlink(node)
    _lib.cmark_node_free(node)


def _parse(source: bytes):
    """The syntax tree of `source` (the caller frees it) and the parser, which must outlive the rendering
    because the extension list it holds is used there."""
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


def _edit_tree(root, fragment: bool = False) -> None:
    """Find in one walk what must change, then change it. No edit frees a node another edit still needs
    (each frees at most its own node, after moving its children out), so the order is free."""
    raw_html, links, images, too_deep = [], [], [], []
    link_depth = image_depth = nesting = 0
    it = _lib.cmark_iter_new(root)
    if it == _NULL:
        raise MemoryError("cmark could not allocate an iterator")
    next_event, get_node, get_type = _lib.cmark_iter_next, _lib.cmark_iter_get_node, _lib.cmark_node_get_type
    try:
        while True:
            event = next_event(it)
            if event == _ENTER:
                node = get_node(it)
                node_type = get_type(node)
                if node_type == LINK:
                    links.append((node, image_depth))
                    link_depth += 1
                elif node_type == IMAGE:
                    images.append((node, link_depth or image_depth))
                    image_depth += 1
                elif node_type == HTML_INLINE or node_type == HTML_BLOCK:
                    raw_html.append((node, node_type))
                if node_type == BLOCK_QUOTE or node_type == LIST:
                    nesting += 1
                    if nesting == MAX_NESTING + 1:
                        too_deep.append((node, []))
                elif nesting > MAX_NESTING and not node_type & _INLINE and node_type != ITEM \
                        and get_type(_lib.cmark_node_parent(node)) in _CONTAINERS:
                    too_deep[-1][1].append(node)  # a paragraph, heading, code, table... to keep
            elif event == _EXIT:
                node_type = get_type(get_node(it))
                if node_type == LINK:
                    link_depth -= 1
                elif node_type == IMAGE:
                    image_depth -= 1
                elif node_type == BLOCK_QUOTE or node_type == LIST:
                    nesting -= 1
            else:
                break
    finally:
        _lib.cmark_iter_free(it)
    for top, blocks in too_deep:
        _flatten(top, blocks)
    for node, node_type in raw_html:
        _raw_html_as_text(node, node_type, fragment)
    for node, inside_image in links:
        if inside_image or not _allowed_url(_ffi.string(_lib.cmark_node_get_url(node))):
            _unwrap(node)  # a link with another scheme (or inside a picture's words) becomes its words
    for node, inside in images:
        _rewrite_image(node, inside)


def _flatten(top, blocks: list) -> None:
    """Quotes and lists nested deeper than MAX_NESTING give way to the blocks inside them: those move, in
    order, to where the outermost too-deep one was, and the empty nest is freed at once. The words stay;
    the sanitizer's HTML parser, whose work grows with the square of the nesting, never sees the depth."""
    for block in blocks:
        if not _lib.cmark_node_insert_before(top, block):
            raise _refused()
    _lib.cmark_node_unlink(top)
    _lib.cmark_node_free(top)


def _raw_html_as_text(node, node_type: int, fragment: bool) -> None:
    """Raw HTML becomes the text the member typed.

    An inline tag becomes a text node with its characters. An HTML block (a line starting with "<div>",
    a comment, ...) swallows the lines after it as raw text, so its lines are parsed again as Markdown
    with each line-starting "<" escaped and read as they would without HTML; an HTML block that still
    appears inside a quote or list there becomes one plain paragraph (every character is parsed at most
    twice).
    """
    literal = _ffi.string(_lib.cmark_node_get_literal(node))  # a copy: set_type frees the node's own
    if node_type == HTML_INLINE:
        _set_type(node, TEXT)
        _lib.cmark_node_set_literal(node, literal)
    elif fragment:
        _set_type(node, PARAGRAPH)
        _append_child(node, _new_node(TEXT, literal.rstrip(b"\n")))
    else:
        blocks = _markdown_blocks(_HTML_LINE_START_RE.sub(rb"\1\\<", literal))
        parent = _lib.cmark_node_parent(node)
        if len(blocks) > 1 and _lib.cmark_node_get_type(parent) == ITEM:
            # blank lines inside the block now part paragraphs of a list item: the list is loose
            _lib.cmark_node_set_list_tight(_lib.cmark_node_parent(parent), 0)
        _replace(node, blocks)


def _markdown_blocks(fragment: bytes) -> list:
    """The top-level blocks of `fragment` parsed and edited on their own, detached and ready to insert."""
    parser, root = _parse(fragment)
    try:
        _edit_tree(root, fragment=True)
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


def _rewrite_image(node, inside: bool) -> None:
    """A picture from another site becomes a link "Image: words" to it: pages never make a request to
    another host. Inside a link (or another picture's words), or with another scheme, the words are enough."""
    src = _ffi.string(_lib.cmark_node_get_url(node))
    allowed = _allowed_url(src)
    if allowed and _is_local(src):
        return
    has_words = _lib.cmark_node_first_child(node) != _NULL
    label = _new_node(TEXT, b"Image: " if has_words else b"Image")
    if not _lib.cmark_node_prepend_child(node, label):
        _lib.cmark_node_free(label)
        raise RuntimeError("cmark refused a tree edit")
    if inside or not allowed:
        _unwrap(node)
    else:
        _set_type(node, LINK)  # frees the address (and title): set it again
        _lib.cmark_node_set_url(node, src)


def _rel_on_other_sites_links(html: str) -> str:
    """Raw HTML is gone from the tree, so every "<a href=" in cmark's output is a link it wrote."""
    def add_rel(match: re.Match) -> str:
        return match.group(0) if _is_local(unescape(match.group(1))) else f'{match.group(0)} rel="{LINK_REL}"'

    return _LINK_OPEN_RE.sub(add_rel, html)


def _mention_link(match: re.Match) -> str:
    return f'<a href="/u/{match.group(1)}" class="mention">{match.group(0)}</a>'


def _link_mentions(html: str) -> str:
    """@name in plain text links to the member's profile; not in code, links (e-mail addresses are
    links by now) or attributes. Works on cmark's HTML, where text is escaped: no tag can be made."""
    parts = _NOT_PLAIN_TEXT_RE.split(html)
    for i in range(0, len(parts), 2):  # even items are text, odd ones what to leave alone
        if "@" in parts[i]:
            parts[i] = MENTION_RE.sub(_mention_link, parts[i])
    return "".join(parts)


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


def _render(root, parser) -> str:
    rendered = _lib.cmark_render_html(root, _OPTIONS, _lib.cmark_parser_get_syntax_extensions(parser))
    if rendered == _NULL:
        raise MemoryError("cmark could not render the text")
    try:
        return _ffi.string(rendered).decode("utf-8", "replace")
    finally:
        _free(rendered)


def _needs_edits(html: str) -> bool:
    """Whether the tree walk could change anything; most posts need none, and the walk (a few function
    calls per node) is the slowest part. Conservative: it may say yes when the walk then changes nothing."""
    return ("<!-- raw HTML omitted -->" in html  # what cmark writes for every raw HTML node
            or "<img" in html
            or _UNCHECKED_LINK_RE.search(html) is not None
            or html.count("<blockquote>") + html.count("<ul>") + html.count("<ol") > MAX_NESTING)


def render_markdown(text: str) -> str:
    """Render Markdown to sanitized HTML; the only place post HTML is produced."""
    text = text or ""
    parser, root = _parse(text.encode("utf-8", "surrogatepass"))  # a lone surrogate becomes U+FFFD
    try:
        html = _render(root, parser)
        if _needs_edits(html):
            _edit_tree(root)
            html = _render(root, parser)
    finally:
        _lib.cmark_node_free(root)
        _lib.cmark_parser_free(parser)
    if "<a " in html:
        html = _rel_on_other_sites_links(html)
    if "@" in html:
        html = _link_mentions(html)
    return _quote_text(_cleaner().clean(html).strip())


def plain_text(html: str) -> str:
    """Visible text of rendered HTML, entities decoded: what a reader sees, for the classifier and excerpts.

    Callers get plain text, not markup: templates escape it again on output.
    """
    return " ".join(unescape(_text_only().clean(html or "")).split())
