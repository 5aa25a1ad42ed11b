"""Reading comfort: saved per account and in a cookie, applied on <html> by the server."""
import re

import pytest

from forum.comfort import preferences
from forum.comfort.preferences import Prefs
from tests.helpers import FormClient, create_user

ALL_CHANGED = {"text_size": "175", "theme": "contrast-dark", "font": "dyslexic", "line_spacing": "loose",
               "motion": "reduce", "shortcuts": "off"}


def _html_tag(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group(0)


def test_cookie_round_trip_and_junk_is_ignored():
    prefs = Prefs(text_size=150, theme="dark", font="hyperlegible", line_spacing="relaxed", motion="reduce", shortcuts="off")
    assert Prefs.from_cookie(prefs.to_cookie()) == prefs
    assert Prefs.from_cookie("size=999|theme=<script>|font=comic|line=|keys=maybe") == Prefs()
    assert Prefs.from_cookie("size=125|theme=dark|garbage") == Prefs(text_size=125, theme="dark")
    assert Prefs.from_cookie(None) == Prefs() and Prefs().is_default
    assert Prefs.from_values({"text_size": "200"}).text_size == 200


def test_choices_cover_what_the_issue_asks_for():
    sizes = [v for v, _ in preferences.TEXT_SIZES]
    assert len(sizes) >= 5 and max(sizes) == 200 and sizes == sorted(sizes)
    themes = {v for v, _ in preferences.THEMES}
    assert {"light", "dark", "contrast", "auto"} <= themes
    assert {"dyslexic", "plain"} <= {v for v, _ in preferences.FONTS}
    assert Prefs().motion == "auto"  # follows prefers-reduced-motion unless told otherwise


def test_defaults_on_html_for_a_first_visit(client, ctx):
    tag = _html_tag(client.get("/").get_data(as_text=True))
    assert 'data-theme="auto"' in tag and 'data-text-size="100"' in tag and 'data-shortcuts="on"' in tag


def test_visitor_preferences_live_in_a_cookie(client, ctx):
    response = client.post_form("/reading", ALL_CHANGED)
    assert response.status_code == 302
    cookie = client.get_cookie(preferences.COOKIE, domain="forum.test")
    assert cookie is not None and "theme=contrast-dark" in cookie.value
    tag = _html_tag(client.get("/").get_data(as_text=True))
    for attr in ('data-theme="contrast-dark"', 'data-text-size="175"', 'data-font="dyslexic"',
                 'data-line-spacing="loose"', 'data-motion="reduce"', 'data-shortcuts="off"'):
        assert attr in tag
    page = client.get("/reading").get_data(as_text=True)
    assert re.search(r'<input checked id="theme-\d" name="theme" type="radio" value="contrast-dark">', page)
    assert "kept on this device" in page


def test_member_preferences_follow_them_to_another_device(client, ctx, app):
    create_user("Tess")
    client.login("Tess")
    client.post_form("/reading", {**ALL_CHANGED, "theme": "dark", "text_size": "200"})
    laptop = FormClient(app.test_client())
    assert 'data-theme="auto"' in _html_tag(laptop.get("/").get_data(as_text=True))
    laptop.login("Tess")
    tag = _html_tag(laptop.get("/latest").get_data(as_text=True))
    assert 'data-theme="dark"' in tag and 'data-text-size="200"' in tag
    # logging out keeps the look on the device that saved it (the cookie), not on the other one
    client.logout()
    assert 'data-theme="dark"' in _html_tag(client.get("/").get_data(as_text=True))
    laptop.logout()
    assert 'data-theme="auto"' in _html_tag(laptop.get("/").get_data(as_text=True))


def test_account_preferences_win_over_the_cookie(client, ctx):
    client.post_form("/reading", {**ALL_CHANGED, "theme": "light"})
    create_user("Tess")
    client.login("Tess")
    assert 'data-theme="light"' in _html_tag(client.get("/").get_data(as_text=True))  # nothing saved yet: cookie
    client.post_form("/reading", {**ALL_CHANGED, "theme": "contrast"})
    client.post_form("/reading", {**ALL_CHANGED, "theme": "dark"})
    assert 'data-theme="dark"' in _html_tag(client.get("/").get_data(as_text=True))


def test_reset_returns_to_the_standard_look(client, ctx):
    client.post_form("/reading", ALL_CHANGED)
    client.post_form("/reading", {**ALL_CHANGED, "reset": "1"})
    tag = _html_tag(client.get("/").get_data(as_text=True))
    assert 'data-theme="auto"' in tag and 'data-text-size="100"' in tag


@pytest.mark.parametrize("field,value", [("theme", "neon"), ("text_size", "1000"), ("font", "<b>")])
def test_unknown_choices_are_refused_with_a_message(client, ctx, field, value):
    response = client.post_form("/reading", {**ALL_CHANGED, field: value})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Not a valid choice" in html and f'id="{field}-error"' in html
    assert 'data-theme="auto"' in _html_tag(client.get("/").get_data(as_text=True))


def test_reading_page_needs_csrf(client, ctx):
    assert client.post("/reading", data=ALL_CHANGED).status_code == 400


def test_reading_page_groups_each_choice(client, ctx):
    html = client.get("/reading").get_data(as_text=True)
    assert html.count("<fieldset") == 6 and html.count("<legend>") == 6
    assert '<label class="choice sample-size-200"><input id="text_size-4" name="text_size" type="radio" value="200">' in html


def test_shortcut_hint_follows_the_preference(client, ctx, make_thread):
    thread = make_thread()
    assert "data-shortcut-hint" in client.get(f"/t/{thread.id}").get_data(as_text=True)
    client.post_form("/reading", {**ALL_CHANGED, "shortcuts": "off"})
    html = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "data-shortcut-hint" not in html
    assert "turn them back on" in client.get("/keyboard").get_data(as_text=True)
