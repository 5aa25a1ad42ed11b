"""Forms for moderators and for members' reports and appeals (Flask-WTF: CSRF on every POST)."""
from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from forum.forms import ForumForm
from forum.text import parse_id, plural
from moderation.models import HIDE_REASONS, LABEL_NAMES, LABELS, PROVIDER_KINDS, REPORT_REASONS
from moderation.queue import REASON_NAMES, REASONS, STATES


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _max_length(config_key: str, what: str):
    def check(form, field):
        limit = current_app.config[config_key]
        if field.data and len(field.data.strip()) > limit:
            raise ValidationError(f"{what} is {len(field.data.strip())} characters long; the limit is {limit}.")
    return check


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DecisionForm(ForumForm):
    """Approve, hide or restore one item. ``seen`` carries the latest decision id the moderator saw."""

    note = TextAreaField("Note (optional)", validators=[_max_length("MODERATION_NOTE_MAX_LENGTH", "The note")])
    reason = SelectField("Reason shown to the author", choices=choices(HIDE_REASONS.items()), validators=[Optional()],
                         validate_choice=True)
    labels = MultiCheckboxField("Labels that apply", choices=choices((label, LABEL_NAMES[label]) for label in LABELS),
                                validate_choice=True)
    labels_given = HiddenField()
    seen = HiddenField()
    next = HiddenField()

    def validate_seen(self, field):
        if field.data not in (None, "") and parse_id(field.data) is None:
            raise ValidationError("The page was altered; reload it.")

    def seen_id(self) -> int | None:
        return int(self.seen.data) if self.seen.data not in (None, "") else None

    def chosen_labels(self) -> list[str] | None:
        """None: the moderator was not asked (use the defaults); a list (maybe empty) otherwise."""
        return list(self.labels.data or []) if self.labels_given.data == "1" else None


class BulkForm(ForumForm):
    post_ids = SelectMultipleField("Selected items", coerce=int, validate_choice=False)
    action = SelectField("Action", choices=choices([("approve", "Approve selected"), ("hide", "Hide selected")]))
    note = TextAreaField("Note for the selected items (optional)",
                         validators=[_max_length("MODERATION_NOTE_MAX_LENGTH", "The note")])
    next = HiddenField()

    def validate_post_ids(self, field):
        if not field.data:
            raise ValidationError("Select at least one item first.")
        if len(field.data) > 100:
            raise ValidationError("Select at most 100 items at a time.")


class NoteOnlyForm(ForumForm):
    """Lock, unlock, unsuspend, unban: a click and an optional note."""

    note = TextAreaField("Note (optional)", validators=[_max_length("MODERATION_NOTE_MAX_LENGTH", "The note")])
    next = HiddenField()


class ContextNoteForm(ForumForm):
    context_note = TextAreaField(
        "Moderator note shown under the post to everyone",
        description="For example: “This clinic sells an unproven treatment; see the trial registry.” "
                    "Leave empty to remove the note.",
        validators=[_max_length("MODERATION_NOTE_MAX_LENGTH", "The context note")])
    note = TextAreaField("Why (for the log, optional)", id="context-why",
                         validators=[_max_length("MODERATION_NOTE_MAX_LENGTH", "The note")])


class ModEditForm(ForumForm):
    title = StringField("Title")
    body = TextAreaField("Post", validators=[DataRequired("The post cannot be empty.")])
    note = TextAreaField("What you changed and why (the author is told)",
                         validators=[_max_length("MODERATION_NOTE_MAX_LENGTH", "The note")])


class WarnForm(ForumForm):
    message = TextAreaField("Warning the member will read in their notifications", id="warn-message",
                            validators=[DataRequired("Write the warning the member will read."),
                                        _max_length("MODERATION_NOTE_MAX_LENGTH", "The warning")])
    post_id = HiddenField(id="warn-post")


class SuspendForm(ForumForm):
    days = IntegerField("Days", default=7, id="suspend-days", validators=[InputRequired("Say for how many days."),
                                                        NumberRange(min=1, message="Suspend for at least 1 day.")])
    note = TextAreaField("Reason (the member reads it)", id="suspend-note",
                         validators=[_max_length("MODERATION_NOTE_MAX_LENGTH", "The reason")])
    post_id = HiddenField(id="suspend-post")

    def validate_days(self, field):
        limit = current_app.config["MODERATION_MAX_SUSPEND_DAYS"]
        if field.data is not None and field.data > limit:
            raise ValidationError(f"Suspend for at most {plural(limit, 'day')}.")


class BanForm(ForumForm):
    note = TextAreaField("Reason (kept in the log)", validators=[_max_length("MODERATION_NOTE_MAX_LENGTH", "The reason")])
    post_id = HiddenField()
    submit = SubmitField("Ban this member")


class QueueFilterForm(FlaskForm):
    """The queue's GET filters: bad values are a 400 with the message, not a silent default."""

    class Meta:
        csrf = False

    reason = SelectField("Reason", choices=choices([("", "All reasons")] + [(r, REASON_NAMES[r]) for r in REASONS]),
                         validators=[Optional()], default="")
    category = SelectField("Category", choices=choices([("", "All categories")]), validators=[Optional()], default="")
    state = SelectField("State", choices=choices((s, s.capitalize()) for s in STATES), default="open")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = StringField("Action", validators=[Optional()])
    post = IntegerField("Post number (id)", validators=[Optional(), NumberRange(min=1)])
    user = IntegerField("Member id", validators=[Optional(), NumberRange(min=1)])


class ReportForm(ForumForm):
    reason = RadioField("Why are you reporting this post?", choices=choices(REPORT_REASONS.items()),
                        validators=[InputRequired("Choose a reason.")])
    note = TextAreaField("Anything the moderators should know (optional)",
                         validators=[_max_length("REPORT_NOTE_MAX_LENGTH", "The note")])


class AppealForm(ForumForm):
    text = TextAreaField("Why should the moderators look again?",
                         description="A few sentences are enough. A moderator who reads it can restore the post.",
                         validators=[DataRequired("Say in a few words why the decision should change."),
                                     _max_length("APPEAL_MAX_LENGTH", "The appeal")])


class KnownClaimForm(ForumForm):
    """A new known false claim; limits and the link check live in moderation.known (one place)."""

    claim = TextAreaField("The false claim, in a sentence or two", id="claim",
                          description="Write it the way posts put it, e.g. “Mercury fillings cause MS.”",
                          validators=[DataRequired("Write the claim.")])
    paraphrases = TextAreaField("Other wordings (optional, one a line)", id="paraphrases",
                                description="A few other ways people say the same thing; they help find it.")
    evidence_url = StringField("Evidence link (http:// or https://)", id="evidence_url",
                               description="A page from an MS society or health body that answers the claim.",
                               validators=[DataRequired("Give the link to a page that answers the claim.")])
    evidence_title = StringField("Title of the evidence page (optional)", id="evidence_title")


class KnownProviderForm(ForumForm):
    name = StringField("Name", id="name", validators=[DataRequired("Give the provider's name.")])
    kind = SelectField("Kind", id="kind", choices=choices(PROVIDER_KINDS.items()), validate_choice=True)
    domains = TextAreaField("Domains (one a line)", id="domains",
                            description="e.g. vidaregen-clinic.mx; subdomains and email addresses match too.")
    phone_prefixes = TextAreaField("Phone prefixes (optional, one a line)", id="phone_prefixes",
                                   description="Country code and area code at least, e.g. +52 998.")
    note = TextAreaField("Note for other moderators (optional)", id="provider-note",
                         validators=[_max_length("MODERATION_NOTE_MAX_LENGTH", "The note")])


class KnownToggleForm(ForumForm):
    """Retire or restore one entry: a click and an optional note for the log."""

    note = StringField("Why (for the log, optional)", validators=[_max_length("MODERATION_NOTE_MAX_LENGTH", "The note")])


YES_NO = choices((("yes", "Yes"), ("no", "No")))


class AnswerForm(ForumForm):
    """A moderator's yes/no per label for one post on the least-sure list."""

    clinic_promotion = RadioField("Does it promote a clinic, treatment or provider?", choices=YES_NO,
                                  validators=[InputRequired("Answer whether it promotes a clinic.")])
    misinformation = RadioField("Does it state false or dangerous medical claims as fact?", choices=YES_NO,
                                validators=[InputRequired("Answer whether it states medical misinformation.")])
    note = StringField("Note (optional)", validators=[_max_length("MODERATION_NOTE_MAX_LENGTH", "The note")])

    def answers(self) -> dict[str, bool]:
        return {label: getattr(self, label).data == "yes" for label in LABELS}


class PinForm(ForumForm):
    """Pin a thread; the date is optional."""

    until = DateField("Unpin on (optional)", validators=[Optional()],
                      description="From the start of this day (UTC) the thread sorts normally again.")
    note = TextAreaField("Note (optional)", validators=[_max_length("MODERATION_NOTE_MAX_LENGTH", "The note")])


class MoveThreadForm(ForumForm):
    category = SelectField("Move to", coerce=int, validate_choice=True)
    note = TextAreaField("Note (optional)", validators=[_max_length("MODERATION_NOTE_MAX_LENGTH", "The note")])
