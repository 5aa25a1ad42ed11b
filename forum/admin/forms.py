"""Admin forms (Flask-WTF: CSRF on every POST)."""
from __future__ import annotations

from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from forum.admin.categories import POSITION_MAX
from forum.forms import ForumForm


class CategoryForm(ForumForm):
    name = StringField("Name", validators=[DataRequired("Give the category a name.")])
    slug = StringField("Slug (the address: /c/slug)", validators=[Optional()],
                       description="Lowercase letters, digits and hyphens, like “treatments-and-dmts”. "
                                   "Leave empty to make one from the name.")
    description = TextAreaField("Description", validators=[Optional()])
    position = IntegerField("Position", validators=[Optional(), NumberRange(0, POSITION_MAX,
                            f"The position must be a whole number from 0 to {POSITION_MAX:,}.")],
                            description="Smaller numbers come first. Leave empty to put a new category last.")
    read_only = BooleanField("Read-only (announcements): only moderators and admins start threads and reply")
