from __future__ import annotations

from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from forum.comfort.preferences import FONTS, LINE_SPACINGS, MOTIONS, SHORTCUTS, TEXT_SIZES, THEMES
from forum.forms import ForumForm


def _choices(options: list) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in options]


class ReadingForm(ForumForm):
    """Rendered by hand in templates/comfort/reading.html: each choice is a big label around its radio."""

    text_size = RadioField("Text size", choices=_choices(TEXT_SIZES), coerce=int)
    theme = RadioField("Colours", choices=_choices(THEMES))
    font = RadioField("Font", choices=_choices(FONTS))
    line_spacing = RadioField("Line spacing", choices=_choices(LINE_SPACINGS))
    motion = RadioField("Motion", choices=_choices(MOTIONS))
    shortcuts = RadioField("Keyboard shortcuts", choices=_choices(SHORTCUTS))
