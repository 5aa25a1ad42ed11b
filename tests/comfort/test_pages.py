"""The page furniture the comfort features rely on, checked in the HTML the server sends."""
import re
from pathlib import Path

from tests.helpers import create_user

ROOT = Path(__file__).resolve().parents[2]


def test_keyboard_help_page_lists_the_shortcuts(client, ctx):
    html = client.get("/keyboard").get_data(as_text=True)
    assert "<h1>Keyboard shortcuts</h1>" in html
    for key, what in (("j", "next post"), ("k", "previous post"), ("r", "reply"), ("?", "this page")):
        assert re.search(rf"<kbd>{re.escape(key)}</kbd></td><td>[^<]*{what}", html, re.I), key
    assert "never fire while you are typing" in html


def test_every_page_has_landmarks_skip_link_and_comfort_links(client, ctx):
    html = client.get("/").get_data(as_text=True)
    assert html.index('class="skip-link" href="#main"') < html.index("<header")
    for landmark in ('<header class="site-header">', '<nav aria-label="Main">', '<main id="main"', "<footer"):
        assert landmark in html
    assert 'href="/reading">Text size &amp; colours</a>' in html and 'href="/keyboard">Keyboard shortcuts</a>' in html
    assert 'href="/drafts"' not in html  # visitors have no drafts
    create_user("Tess")
    client.login("Tess")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/drafts">Your drafts</a>' in html and 'href="/read-later">Read later</a>' in html
    settings = client.get("/settings").get_data(as_text=True)
    assert 'href="/reading"' in settings and "Reading and writing comfort" in settings


def test_scripts_are_files_loaded_deferred(client, ctx):
    html = client.get("/").get_data(as_text=True)
    for name in ("drafts", "shortcuts"):
        assert f'<script src="/static/js/{name}.js" defer></script>' in html
        assert client.get(f"/static/js/{name}.js").status_code == 200


def test_fonts_are_served_from_the_forum_with_their_licences():
    css = (ROOT / "static" / "css" / "themes.css").read_text()
    urls = re.findall(r'url\("\.\./fonts/([^"]+)"\)', css)
    assert len(urls) >= 6
    for url in urls:
        assert (ROOT / "static" / "fonts" / url).is_file(), url
    for family in {u.split("/")[0] for u in urls}:
        licence = (ROOT / "static" / "fonts" / family / "OFL.txt").read_text()
        assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "googleapis" not in css and "http" not in css.replace("http://scripts.sil.org", "")
