"""Pages never make a request to another host: checked in the sources here, in a real browser in tests/e2e."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import BASE_DIR

# Anything a browser fetches by itself: scripts, styles, images, frames, media, fonts, form targets.
FETCHING_TAG = re.compile(
    r"<(?P<tag>link|script|img|iframe|frame|source|video|audio|embed|object|track|image|use|form|meta)\b[^>]*?"
    r"\b(?P<attr>src|href|srcset|data|poster|action|content|xlink:href)\s*=\s*[\"']?(?P<url>(?:https?:)?//[^\"'\s>]+)",
    re.IGNORECASE)
CSS_FETCH = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"']?)(?P<url>(?:https?:)?//[^\"')\s]+)", re.IGNORECASE)
JS_FETCH = re.compile(r"(?:fetch|open|sendBeacon|EventSource|WebSocket|import|importScripts|src\s*=)\s*\(?\s*[\"'`]"
                      r"(?P<url>(?:https?:|wss?:)?//[^\"'`]+)", re.IGNORECASE)


def _files(folder: str, *suffixes: str) -> list[Path]:
    return sorted(p for p in (BASE_DIR / folder).rglob("*") if p.suffix in suffixes and p.is_file())


@pytest.mark.parametrize("path", _files("templates", ".html"), ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_templates_fetch_nothing_from_other_hosts(path):
    found = [m.group(0)[:160] for m in FETCHING_TAG.finditer(path.read_text(encoding="utf-8"))]
    found += [m.group(0) for m in CSS_FETCH.finditer(path.read_text(encoding="utf-8"))]
    assert not found, f"{path.name} loads something from another host: {found}"


@pytest.mark.parametrize("path", _files("static", ".css", ".js", ".svg", ".html"),
                         ids=lambda p: str(p.relative_to(BASE_DIR)))
def test_static_files_fetch_nothing_from_other_hosts(path):
    source = path.read_text(encoding="utf-8")
    found = [m.group(0) for m in CSS_FETCH.finditer(source)] + [m.group(0) for m in JS_FETCH.finditer(source)]
    if path.suffix in (".svg", ".html"):
        found += [m.group(0) for m in FETCHING_TAG.finditer(source)]
    assert not found, f"{path.name} loads something from another host: {found}"


def test_the_checks_would_catch_the_usual_culprits():
    assert FETCHING_TAG.search('<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Inter">')
    assert FETCHING_TAG.search('<script src="//cdn.example.com/jquery.js"></script>')
    assert FETCHING_TAG.search("<img src='https://www.gravatar.com/avatar/abc'>")
    assert CSS_FETCH.search("@font-face { src: url(https://fonts.gstatic.com/s/inter.woff2) }")
    assert JS_FETCH.search('fetch("https://analytics.example.com/collect")')
    assert not FETCHING_TAG.search('<a href="https://example.org">a link is not a request</a>')


def test_the_content_security_policy_allows_only_this_forum():
    from forum.web import CSP

    for directive in CSP.split(";"):
        name, *sources = directive.split()
        assert set(sources) <= {"'self'", "'none'", "data:"}, f"{name} allows {sources}"


def test_the_policy_is_sent_with_every_page(client, ctx):
    for url in ("/", "/privacy", "/login", "/no/such/page"):
        policy = client.get(url).headers["Content-Security-Policy"]
        assert "https:" not in policy and "http:" not in policy


def test_pictures_in_posts_from_other_sites_are_links_not_images(client, ctx):
    from tests.helpers import create_thread

    thread = create_thread(body="My MRI: ![scan](https://images.example.com/mri.png)")
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "<img" not in page.split('<div class="post-body">', 1)[1]
    assert 'href="https://images.example.com/mri.png"' in page
