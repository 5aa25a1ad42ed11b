"""Property-based fuzzing of the three parsers that take raw text from any visitor (issue 18).

The Markdown renderer, the search query parser and the classifier's rules must never raise on
any input, and what they return must stay inside their promises: only allowlisted HTML and no
script or data links; a bounded query; rule hits that point into the text. Examples are
derandomized (the same every run) so the suite cannot flake; each property runs ~150 examples.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.markup import ALLOWED_PROTOCOLS, ALLOWED_TAGS, render_markdown
from forum.search import query as search_query
from moderation.classifier.rules import FEATURE_NAMES, MAX_HITS_PER_RULE, apply_rules

FUZZ = settings(max_examples=150, deadline=2000, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

# Pieces that reach the interesting corners: Markdown syntax, HTML, schemes, entities, mentions,
# prices and phone numbers, search filters and quotes, odd Unicode (İ lengthens when lower-cased).
FRAGMENTS = [
    "[a](", ")", "](javascript:alert(1))", "](JaVaScRiPt:alert(1))", "](data:text/html;base64,PHNjcmlwdD4=)",
    "](vbscript:x)", "](java\tscript:x)", "](&#106;avascript:x)", "](jav&#x09;ascript:x)", "<javascript:alert(1)>",
    "<data:text/html,x>", "![img](", "](/static/x.png)", "](http://evil.example/x.png)", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "<a href='javascript:x'>", "<iframe>", "<svg onload=x>", "\"onmouseover=\"x",
    "`", "```", "\n", "\n\n", "> ", "- ", "1. ", "| a | b |\n|---|---|\n| c | d |", "**", "_", "~~", "#", "&amp;",
    "&#0;", "\x00", "\u202e", "İ", "ß", "\ufeff", "@Tess", "@a.b-c_d", "www.example.com", "https://x.example/?a=1&b=2",
    "mailto:a@b.example", "$18,500", "€ 25k", "+1 (555) 010-0199", "call +44 20 7946 0958", "whatsapp", "cure",
    "stem cell", "HSCT", "title:", "author:", "in:", "before:2024-02-30", "after:1999", "order:latest", "\"",
    "“", "»", "ocre*", "*", "(", "[", "{", "tecfidera", "hair loss", "-", ":", "%", "\t", "\r",
]
text_strategy = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=30,
).map("".join)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


ALLOWED_ATTRS = {"a": {"href", "title", "rel", "class"}, "img": {"src", "alt", "title"}, "ol": {"start"},
                 "th": {"align"}, "td": {"align"}}
SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")


@FUZZ
@given(text_strategy)
def test_rendered_markdown_keeps_only_allowed_tags_and_safe_links(text):
    assert_safe_html(render_markdown(text))


def assert_safe_html(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS, (tag, html)
        assert set(attrs) <= ALLOWED_ATTRS.get(tag, set()), (tag, attrs, html)
        for name in ("href", "src"):
            if name in attrs:
                # what a browser would follow: entities are decoded by the parser, control and
                # space characters are ignored inside a scheme
                url = re.sub(r"[\x00-\x20]", "", attrs[name] or "")
                scheme = SCHEME.match(url)
                assert scheme is None or scheme.group(1).lower() in ALLOWED_PROTOCOLS, (attrs, html)
                if name == "src":
                    assert url.startswith("/") and not url.startswith("//"), (attrs, html)
    assert "<script" not in html.lower(), html


@pytest.mark.parametrize("html", [
    '<a href="javascript:alert(1)">x</a>', '<a href="jav&#x09;ascript:x">x</a>', '<img src="data:image/png,x">',
    '<img src="http://evil.example/x.png">', '<p onclick="x">x</p>', '<iframe></iframe>',
])
def test_the_safety_check_itself_catches_unsafe_html(html):
    with pytest.raises(AssertionError):
        assert_safe_html(html)


@FUZZ
@given(text_strategy)
def test_search_query_parser_never_fails_and_stays_bounded(text):
    parsed = search_query.parse(text)
    assert len(parsed.raw) <= search_query.MAX_QUERY_LENGTH
    assert len(parsed.words) <= search_query.MAX_TERMS
    assert all(word and not any(ch.isspace() for ch in word) for word in parsed.words), parsed.words
    assert len(parsed.categories) + len(parsed.authors) <= len(text)
    assert all(len(message) < 200 for message in parsed.messages)
    assert parsed.order in (None, *search_query.ORDERS.values())


@FUZZ
@given(text_strategy)
def test_rule_hits_point_inside_the_text(text):
    hits = apply_rules(text)
    for hit in hits:
        assert hit.rule in FEATURE_NAMES, hit
        assert 0 <= hit.start <= hit.end <= len(text), (hit, len(text))
        # the match is what the post says at that place (the reason shows it to moderators)
        assert hit.match.lower() in text[hit.start:hit.end].lower() or hit.match in text, (hit, text)
    for rule in {h.rule for h in hits}:
        assert sum(h.rule == rule for h in hits) <= MAX_HITS_PER_RULE
