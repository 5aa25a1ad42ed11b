"""Reading comfort: text size, theme, font, line spacing, motion and keyboard shortcuts.

Saved per account (reading_preferences) and, for everyone, in a cookie so visitors keep them
too and a member who logs out does not see the page change under them. base.html puts them
on <html> as data attributes, so the right theme is there from the first byte, without JavaScript;
static/css/themes.css does the rest.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping

from flask import g, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from forum.comfort.models import ReadingPreferences
from forum.extensions import db
from forum.models import User, utcnow

COOKIE = "reading"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie

TEXT_SIZES: list[tuple[int, str]] = [
    (100, "Standard (100%)"), (125, "Larger (125%)"), (150, "Large (150%)"),
    (175, "Very large (175%)"), (200, "Largest (200%)"),
]
THEMES: list[tuple[str, str]] = [
    ("auto", "Follow my device: light, or dark when the device is set to dark"),
    ("light", "Light"),
    ("dark", "Dark: light text on a dark background, easier in glare and on bad-vision days"),
    ("contrast", "High contrast: black on white"),
    ("contrast-dark", "High contrast dark: white and yellow on black"),
]
FONTS: list[tuple[str, str]] = [
    ("standard", "Standard: your device's usual sans-serif"),
    ("hyperlegible", "Atkinson Hyperlegible: letters that are hard to mistake for each other, made for low vision"),
    ("dyslexic", "OpenDyslexic: heavier letter bottoms, made for dyslexia"),
    ("plain", "Plain and wide: Verdana or Tahoma"),
]
LINE_SPACINGS: list[tuple[str, str]] = [
    ("normal", "Normal"), ("relaxed", "Relaxed (1.9 lines)"), ("loose", "Extra (2.3 lines)"),
]
MOTIONS: list[tuple[str, str]] = [
    ("auto", "Follow my device's “reduce motion” setting"),
    ("reduce", "Always reduce motion: no smooth scrolling or animation"),
]
SHORTCUTS: list[tuple[str, str]] = [
    ("on", "On: single keys such as j, k and r (never while typing in a field)"),
    ("off", "Off: better with speech input or if keys get pressed by accident"),
]
CHOICES: dict[str, list[tuple[Any, str]]] = {
    "text_size": TEXT_SIZES, "theme": THEMES, "font": FONTS, "line_spacing": LINE_SPACINGS,
    "motion": MOTIONS, "shortcuts": SHORTCUTS,
}
# Short names in the cookie: size=150|theme=dark|...
_COOKIE_KEYS = {"text_size": "size", "theme": "theme", "font": "font", "line_spacing": "line",
                "motion": "motion", "shortcuts": "keys"}


@dataclass(frozen=True)
class Prefs:
    text_size: int = 100
    theme: str = "auto"
    font: str = "standard"
    line_spacing: str = "normal"
    motion: str = "auto"
    shortcuts: str = "on"

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> "Prefs":
        """Only known values are taken; anything else keeps its default."""
        chosen = {}
        for f in fields(cls):
            raw = values.get(f.name)
            allowed = [value for value, _ in CHOICES[f.name]]
            if f.name == "text_size":
                raw = int(raw) if str(raw or "").isdigit() and len(str(raw)) < 4 else None
            if raw in allowed:
                chosen[f.name] = raw
        return cls(**chosen)

    def to_cookie(self) -> str:
        return "|".join(f"{_COOKIE_KEYS[name]}={value}" for name, value in asdict(self).items())

    @classmethod
    def from_cookie(cls, raw: str | None) -> "Prefs":
        by_short = {short: name for name, short in _COOKIE_KEYS.items()}
        values = {}
        for part in (raw or "")[:300].split("|"):
            key, _, value = part.partition("=")
            if key in by_short:
                values[by_short[key]] = value
        return cls.from_values(values)

    @property
    def is_default(self) -> bool:
        return self == Prefs()

    def html_attributes(self) -> dict[str, str]:
        """What base.html puts on <html>; themes.css selects on these."""
        return {"data-theme": self.theme, "data-text-size": str(self.text_size), "data-font": self.font,
                "data-line-spacing": self.line_spacing, "data-motion": self.motion, "data-shortcuts": self.shortcuts}


def stored(user: User) -> Prefs | None:
    row = db.session.get(ReadingPreferences, user.id)
    if row is None:
        return None
    return Prefs.from_values({f.name: getattr(row, f.name) for f in fields(Prefs)})


def save(user: User, prefs: Prefs) -> None:
    row = db.session.get(ReadingPreferences, user.id)
    if row is None:
        row = ReadingPreferences(user_id=user.id)
        db.session.add(row)
    for name, value in asdict(prefs).items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    db.session.commit()


def current() -> Prefs:
    """This request's preferences: the member's saved ones, else the cookie's, else the defaults."""
    if "reading_prefs" not in g:
        prefs = None
        if current_user and current_user.is_authenticated:
            try:
                prefs = stored(current_user)
            except SQLAlchemyError:  # e.g. while rendering an error page: the cookie or the defaults will do
                db.session.rollback()
        g.reading_prefs = prefs or Prefs.from_cookie(request.cookies.get(COOKIE))
    return g.reading_prefs

