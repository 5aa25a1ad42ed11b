"""The sanitizer: what a reader's browser finally receives."""
import pytest

from forum.markup import plain_text, render_markdown


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    '<div onclick="alert(1)">click</div>',
    "<svg><script>alert(1)</script></svg>",
    "<style>body{display:none}</style>",
])
def test_raw_html_is_never_passed_through(source):
    html = render_markdown(source)
    assert "<script" not in html and "<iframe" not in html and "<svg" not in html and "<style" not in html
    assert "onerror=" not in html.replace("&lt;", "") or "&lt;" in html
    assert "<div" not in html and 'href="javascript' not in html


@pytest.mark.parametrize("link", [
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "[click](vbscript:msgbox(1))",
    "![pic](javascript:alert(1))",
])
def test_dangerous_link_schemes_are_not_links(link):
    html = render_markdown(link)
    assert "href=" not in html
    assert "src=" not in html


def test_links_get_rel_nofollow_ugc_and_open_safely():
    html = render_markdown("See [the trial](https://clinicaltrials.gov/study/NCT01) and https://mssociety.org.uk")
    assert html.count('rel="nofollow ugc noopener noreferrer"') == 2
    assert 'href="https://clinicaltrials.gov/study/NCT01"' in html


def test_mailto_is_allowed_but_other_schemes_are_not():
    assert 'href="mailto:nurse@example.org"' in render_markdown("[nurse](mailto:nurse@example.org)")
    assert "href" not in render_markdown("[ftp](ftp://example.org/file)")


def test_pictures_from_other_sites_become_links_so_pages_never_load_them():
    html = render_markdown("![scan](https://example.org/a.png)")
    assert "<img" not in html and 'href="https://example.org/a.png"' in html and "Image: scan" in html
    assert "<img" not in render_markdown("![scan](http://example.org/a.png)")
    assert "<img" not in render_markdown("![scan](//example.org/a.png)")
    assert '<img src="/static/a.png" alt="scan">' in render_markdown("![scan](/static/a.png)")


def test_commonmark_features_render():
    html = render_markdown("**bold** *it*\n\n> quoted\n\n- one\n- two\n\n`code`")
    for tag in ("<strong>bold</strong>", "<em>it</em>", "<blockquote>", "<li>one</li>", "<code>code</code>"):
        assert tag in html


def test_mentions_link_to_profiles_but_not_inside_code_or_emails():
    html = render_markdown("Thanks @Tess! mail me at a@b.org `@notme`")
    assert '<a href="/u/Tess" class="mention">@Tess</a>' in html
    assert "/u/b.org" not in html and "/u/notme" not in html


def test_plain_text_strips_tags():
    assert plain_text(render_markdown("**Tecfidera** and *hair* loss")) == "Tecfidera and hair loss"


def test_plain_text_decodes_entities_so_readers_and_the_classifier_see_real_quotes():
    text = plain_text(render_markdown('She said "stop your DMT" & <that> was it'))
    assert text == 'She said "stop your DMT" & <that> was it'
