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


@pytest.mark.parametrize("typed", ["<div>", "<that>", "<b>bold</b>", "<!-- note -->"])
def test_raw_html_is_shown_as_the_text_the_member_typed(typed):
    html = render_markdown(f"before {typed} after")
    assert plain_text(html) == f"before {typed} after"
    assert "raw HTML omitted" not in html


def test_an_html_block_reads_as_markdown_text_not_as_markup():
    html = render_markdown("<div>\n**bold** thanks @Tess\n</div>")
    assert "&lt;div&gt;" in html and "<strong>bold</strong>" in html and "<div" not in html
    assert '<a href="/u/Tess" class="mention">@Tess</a>' in html


def test_tables_and_strikethrough_render():
    html = render_markdown("| drug | dose |\n|:--|--:|\n| Tecfidera | 240 mg |\n\n~~gone~~ but ~5 years")
    assert "<table>" in html and "<th" in html and "<td" in html and "Tecfidera" in html
    assert "<del>gone</del>" in html and "~5 years" in html  # a single tilde is just a tilde


def test_a_bare_address_becomes_a_link_with_rel_and_a_local_link_gets_none():
    html = render_markdown("see https://mssociety.org.uk and [my post](/t/1)")
    assert ('<a href="https://mssociety.org.uk" rel="nofollow ugc noopener noreferrer">'
            "https://mssociety.org.uk</a>") in html
    assert '<a href="/t/1">my post</a>' in html


def test_no_mention_inside_a_link_or_a_code_block():
    html = render_markdown("[ask @Tess](https://example.org) and\n\n```\n@Tess\n```")
    assert "/u/Tess" not in html and 'class="mention"' not in html


@pytest.mark.parametrize("link", [
    "[x](&#106;avascript:alert(1))", "[x](&#x6A;avascript:alert(1))", "[x](jav&#x09;ascript:alert(1))",
    "[x](<java\tscript:alert(1)>)", "[x](<java\nscript:x>)", "[x]( JAVASCRIPT:alert(1))",
])
def test_entity_or_control_obfuscated_javascript_is_not_a_link(link):
    html = render_markdown(link)
    assert "<a" not in html and "x" in plain_text(html)


def test_a_picture_link_from_another_site_through_a_backslash_is_not_local():
    assert "<img" not in render_markdown("![scan](/\\example.org/a.png)")


def test_deep_nesting_is_flattened_but_keeps_its_words():
    html = render_markdown(">" * 5000 + " deep words")
    assert "deep words" in html and html.count("<blockquote>") <= 40


def test_plain_text_keeps_words_apart_between_blocks():
    assert plain_text(render_markdown("- one\n- two\n\n| a | b |\n|---|---|\n| c | d |")) == "one two a b c d"
