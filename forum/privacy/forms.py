from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, Email, Length

from forum.forms import ForumForm

PASSWORD_HINT = "Your current password, to show it is really you."


class UsernameForm(ForumForm):
    username = StringField("New username", validators=[DataRequired("Choose the new username."), Length(max=60)],
                           description="3 to 30 letters, digits, dots, dashes or underscores. Shown to everyone.")
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=200)],
                             description=PASSWORD_HINT)


class EmailForm(ForumForm):
    email = EmailField("New email address", validators=[DataRequired("Enter the new address."),
                                                        Email("That does not look like an email address.",
                                                              check_deliverability=False), Length(max=254)],
                       description="We send a link there; your address changes when you open it.")
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=200)],
                             description=PASSWORD_HINT)


class DeleteAccountForm(ForumForm):
    posts = RadioField("What should happen to your posts?", validators=[DataRequired("Choose what happens to your posts.")],
                       choices=[("remove", "Remove them. Other members will see “Post removed by author”; moderators "
                                           "can still read them for a while, then their text is erased."),
                                ("keep", "Keep them, anonymised. They stay readable, signed by “deleted-member” "
                                         "and a number instead of your name.")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=200)],
                             description=PASSWORD_HINT)
    confirm = BooleanField("I understand that this cannot be undone",
                           validators=[DataRequired("Tick the box to confirm you want to delete your account.")])
