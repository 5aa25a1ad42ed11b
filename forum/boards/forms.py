from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired

from forum.forms import ForumForm


class ThreadForm(ForumForm):
    title = StringField("Title", validators=[DataRequired("Give your thread a title.")])
    body = TextAreaField("Your post", validators=[DataRequired("Write something before posting.")],
                         description="Markdown works: **bold**, *italic*, > quote, - lists, [link](https://…).")


class ReplyForm(ForumForm):
    body = TextAreaField("Your reply", validators=[DataRequired("Write something before posting.")],
                         description="Markdown works: **bold**, *italic*, > quote, - lists, [link](https://…).")


class EditForm(ForumForm):
    title = StringField("Title")
    body = TextAreaField("Post", validators=[DataRequired("The post cannot be empty.")])


class ConfirmForm(ForumForm):
    """An empty form: the CSRF token is the point."""
