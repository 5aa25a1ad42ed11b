"""Base form: every text field refuses NUL bytes and broken UTF-8 with a message on the field."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from forum.text import bad_text_reason


class ForumForm(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in self:
            if isinstance(field, (StringField, TextAreaField)) and isinstance(field.data, str):
                reason = bad_text_reason(field.data)
                if reason:
                    field.errors = list(field.errors) + [f"This field {reason}"]
                    ok = False
        return ok

    def first_error_field(self) -> str | None:
        return next((f.id for f in self if f.errors), None)
