from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from forum.forms import ForumForm
from forum.models import ROLES


class RegisterForm(ForumForm):
    username = StringField("Username (your public pseudonym)", validators=[DataRequired(), Length(max=60)],
                           description="3 to 30 letters, digits, dots, dashes or underscores. Shown to everyone.")
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
                       description="Never shown to other members. We send a link there to finish registering.")


class RegisterFinishForm(ForumForm):
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)],
                             description="At least 10 characters.")
    confirm = PasswordField("Repeat password", validators=[DataRequired(), EqualTo("password", "The passwords do not match.")])


class LoginForm(ForumForm):
    login = StringField("Username or email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Remember me on this device")


class ResetRequestForm(ForumForm):
    email = EmailField("Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])


class ResetForm(ForumForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)], description="At least 10 characters.")
    confirm = PasswordField("Repeat new password", validators=[DataRequired(), EqualTo("password", "The passwords do not match.")])


class ChangePasswordForm(ForumForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=200)], description="At least 10 characters.")
    confirm = PasswordField("Repeat new password", validators=[DataRequired(), EqualTo("new_password", "The passwords do not match.")])


class ProfileForm(ForumForm):
    bio = TextAreaField("About you (optional, public)", validators=[Length(max=2000)])
    mention_notifications = BooleanField("Notify me when someone @mentions me")
    hide_posts_from_visitors = BooleanField("Hide my post list from visitors who are not logged in")


class RoleForm(ForumForm):
    role = SelectField("Role", choices=[SelectChoice(r, r.capitalize()) for r in ROLES])
