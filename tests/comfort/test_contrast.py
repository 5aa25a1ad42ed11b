"""Every theme's colour pairs meet WCAG 2.2 contrast, computed from the CSS custom properties themselves.

Light is forum.css's :root plus the extra pairs in themes.css's :root; every other theme is a block in
static/css/themes.css marked `/* theme: NAME */`. AA everywhere (4.5:1 text, 3:1 focus ring and
control borders); AAA (7:1) for every text pair in the high-contrast themes.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[2] / "static" / "css"
DECL = re.compile(r"--([\w-]+)\s*:\s*([^;]+);")
COLOURS = ["bg", "fg", "muted", "accent", "accent-fg", "border", "soft", "danger", "danger-fg",
           "warn-bg", "warn-fg", "ok-bg", "ok-fg", "mark", "mark-fg", "focus"]

# (foreground, background, where the pair appears)
TEXT_PAIRS = [
    ("fg", "bg", "body text"),
    ("fg", "soft", "header, footer, notices, code blocks"),
    ("muted", "bg", "post metadata, hints"),
    ("muted", "soft", "metadata inside removed posts, quotes in notices"),
    ("accent", "bg", "links, outlined buttons"),
    ("accent", "soft", "links in the header and footer"),
    ("accent-fg", "accent", "primary buttons, skip link, 'new' tags"),
    ("danger", "bg", "error messages, the unread marker"),
    ("danger", "soft", "errors inside grey boxes"),
    ("danger-fg", "danger", "the notification badge, delete buttons"),
    ("warn-fg", "warn-bg", "warnings, error flashes, moderation tags"),
    ("ok-fg", "ok-bg", "success flashes"),
    ("mark-fg", "mark", "search highlights"),
    ("fg", "warn-bg", "text inside warnings"),
]
NON_TEXT_PAIRS = [
    ("focus", "bg", "focus ring"),
    ("focus", "soft", "focus ring in the header and footer"),
    ("border", "bg", "input and card borders"),
    ("border", "soft", "borders in the header and footer"),
]


def _block(css: str, start: int) -> str:
    opening = css.index("{", start)
    return css[opening + 1:css.index("}", opening)]


def _declarations(body: str) -> dict[str, str]:
    return {name: value.strip().lower() for name, value in DECL.findall(body)}


def load_themes() -> dict[str, dict[str, str]]:
    forum, themes = (CSS / "forum.css").read_text(), (CSS / "themes.css").read_text()
    light = _declarations(_block(forum, forum.index(":root")))
    light.update(_declarations(_block(themes, themes.index(":root"))))
    result = {"light": light}
    for match in re.finditer(r"/\* theme: ([\w-]+)", themes):
        name = match.group(1)
        if name != "light":
            result[name] = {**light, **_declarations(_block(themes, match.end()))}
    return result


def load_auto_blocks() -> dict[str, dict[str, str]]:
    themes = (CSS / "themes.css").read_text()
    return {m.group(1): _declarations(_block(themes, m.end())) for m in re.finditer(r"/\* auto: ([\w-]+)", themes)}


def luminance(colour: str) -> float:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    assert re.fullmatch(r"[0-9a-f]{6}", value), f"{colour!r} is not a #rrggbb colour"

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(value[i:i + 2], 16) / 255) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


THEMES = load_themes()


def test_the_contrast_formula_matches_wcag():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#fff", "#fff") == pytest.approx(1.0)


def test_every_theme_the_settings_offer_is_in_the_css():
    from forum.comfort.preferences import THEMES as OFFERED

    assert {"light", "dark", "contrast", "contrast-dark"} <= set(THEMES)
    assert {value for value, _ in OFFERED} - {"auto"} == set(THEMES)


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_theme_defines_every_colour(theme):
    missing = [name for name in COLOURS if name not in THEMES[theme]]
    assert not missing, f"theme {theme} does not set {missing}"
    for name in COLOURS:
        luminance(THEMES[theme][name])


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_text_pairs_meet_wcag(theme):
    minimum = 7.0 if theme.startswith("contrast") else 4.5
    colours = THEMES[theme]
    failures = [f"{fg} on {bg} ({where}): {contrast(colours[fg], colours[bg]):.2f}:1"
                for fg, bg, where in TEXT_PAIRS if contrast(colours[fg], colours[bg]) < minimum]
    assert not failures, f"theme {theme} needs {minimum}:1 for text:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_focus_ring_and_borders_meet_non_text_contrast(theme):
    colours = THEMES[theme]
    failures = [f"{fg} on {bg} ({where}): {contrast(colours[fg], colours[bg]):.2f}:1"
                for fg, bg, where in NON_TEXT_PAIRS if contrast(colours[fg], colours[bg]) < 3.0]
    assert not failures, f"theme {theme} needs 3:1 for non-text contrast (WCAG 1.4.11):\n  " + "\n  ".join(failures)


def test_follow_my_device_uses_exactly_the_named_themes():
    auto = load_auto_blocks()
    assert set(auto) == {"dark", "contrast", "contrast-dark"}
    for name, declarations in auto.items():
        named = _declarations(_block((CSS / "themes.css").read_text(),
                                     (CSS / "themes.css").read_text().index(f"/* theme: {name} */")))
        assert declarations == named, f"the device-following copy of {name} differs from the {name} theme"


def test_colours_written_literally_in_forum_css_are_made_theme_aware():
    """forum.css writes #fff / #000 on the badge, the delete button and <mark>; themes.css must override them."""
    forum = re.sub(r"/\*.*?\*/", "", (CSS / "forum.css").read_text(), flags=re.S)
    rules = re.findall(r"([^{}]+)\{([^}]*)\}", forum[forum.index("}", forum.index(":root")) + 1:])
    literal = [selector.strip() for selector, body in rules if re.search(r"(?<![\w-])color:\s*#", body)]
    assert literal, "expected forum.css to write some colours literally; update this test if that changed"
    themes = re.sub(r"/\*.*?\*/", "", (CSS / "themes.css").read_text(), flags=re.S)
    overridden = {part.strip() for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", themes)
                  if re.search(r"(?<![\w-])color:\s*var\(", body) for part in selector.split(",")}
    missing = [selector for selector in literal if selector not in overridden]
    assert not missing, f"forum.css gives {missing} a fixed text colour that no theme overrides"
