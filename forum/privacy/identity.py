"""Who a member is to others and to us: username changes (the old name stays reserved and redirects for
a while), email changes (confirmed from the new address), and the admin's audited look at an email.
"""
from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime, timedelta

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from forum.extensions import db
from forum.mail import send_mail
from forum.models import User, utcnow
from forum.privacy.models import UsernameReservation
from forum.text import email_key, name_key, plural

DELETED_PREFIX = "deleted-member-"
MAX_RESERVED_NAMES = 3  # old names one member may hold at once: no hoarding names by renaming


class IdentityError(ValueError):
    """A rule about usernames or emails was broken; the message is shown to the member."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --------------------------------------------------------------------------- reserved names

def active_reservation(name: str, now: datetime | None = None) -> UsernameReservation | None:
    return db.session.scalar(select(UsernameReservation).where(
        UsernameReservation.name_key == name_key(name), UsernameReservation.expires_at > (now or utcnow())))


def reservation_problem(username: str, owner_id: int | None = None) -> str | None:
    """Why nobody (but ``owner_id``, taking back their own old name) may take this name now."""
    if name_key(username).startswith(DELETED_PREFIX):
        return f"Names starting with “{DELETED_PREFIX}” are kept for deleted accounts."
    reservation = active_reservation(username)
    if reservation is not None and (owner_id is None or reservation.user_id != owner_id):
        return "That username was used by a member until recently and is reserved for now. Choose another."
    return None


def renamed_to(name: str) -> User | None:
    """The member who gave up this name recently (its profile redirects to theirs)."""
    reservation = active_reservation(name)
    if reservation is None or reservation.user_id is None:
        return None
    return db.session.get(User, reservation.user_id)


def reserve(name: str, user_id: int | None, now: datetime | None = None) -> UsernameReservation:
    now = now or utcnow()
    days = current_app.config["USERNAME_RESERVATION_DAYS"]
    key = name_key(name)
    db.session.execute(delete(UsernameReservation).where(UsernameReservation.name_key == key))
    reservation = UsernameReservation(name=name, name_key=key, user_id=user_id, created_at=now,
                                      expires_at=now + timedelta(days=days))
    db.session.add(reservation)
    return reservation


def _check_password(user: User, password: str) -> None:
    if not user.password_hash or not check_password_hash(user.password_hash, password or ""):
        raise IdentityError("Your password is not right.", "password")


def change_username(user: User, new: str, password: str) -> str:
    """Rename; returns the old name. The old name redirects to the new profile for a while."""
    from forum.accounts.service import username_problem

    _check_password(user, password)
    new = unicodedata.normalize("NFKC", (new or "").strip())
    old = user.username
    if new == old:
        raise IdentityError("That is already your username.", "username")
    if name_key(new) == user.username_key:  # only the letter case changes: nothing to reserve
        user.username = new
        db.session.commit()
        return old
    problem = username_problem(new, owner=user)
    if problem:
        raise IdentityError(problem, "username")
    now = utcnow()
    held = db.session.scalar(select(func.count(UsernameReservation.id)).where(
        UsernameReservation.user_id == user.id, UsernameReservation.expires_at > now,
        UsernameReservation.name_key != name_key(new))) or 0
    if held >= MAX_RESERVED_NAMES:
        raise IdentityError(f"You changed your username {plural(held, 'time')} recently; old names are reserved for "
                            f"{plural(current_app.config['USERNAME_RESERVATION_DAYS'], 'day')}. Try again later.", "username")
    db.session.execute(delete(UsernameReservation).where(UsernameReservation.name_key == name_key(new)))
    reserve(old, user.id, now)
    user.username, user.username_key = new, name_key(new)
    try:
        db.session.commit()
    except IntegrityError as exc:  # someone took the name a moment ago
        db.session.rollback()
        raise IdentityError("That username was taken a moment ago. Choose another.", "username") from exc
    return old


# --------------------------------------------------------------------------- email

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-change")


def _fingerprint(value: str | None) -> str:
    """Ties a link to the address it replaces (without carrying it): the link dies once used."""
    return hashlib.sha256((value or "").encode("utf-8")).hexdigest()[:16]


def make_email_token(user: User, new_email: str) -> str:
    return _serializer().dumps({"id": user.id, "email": new_email, "was": _fingerprint(user.email_key)})


def request_email_change(user: User, new_email: str, password: str) -> None:
    """Mail a confirmation link to the new address; nothing changes until it is followed."""
    from forum.accounts.service import get_user_by_email

    _check_password(user, password)
    new_email = (new_email or "").strip()
    if email_key(new_email) == user.email_key:
        raise IdentityError("That is already your email address.", "email")
    if (owner := get_user_by_email(new_email)) is not None:
        _tell_owner_of_taken_address(owner, new_email)  # the same answer as for a free address
        return
    link = url_for("privacy.confirm_email", token=make_email_token(user, new_email), _external=True)
    hours = max(1, current_app.config["EMAIL_CHANGE_TOKEN_MAX_AGE"] // 3600)
    send_mail(
        new_email,
        "Confirm your new email address",
        f"Hello {user.username},\n\nYou asked to use this address for your account on "
        f"{current_app.config['SITE_NAME']}. Open this link within {plural(hours, 'hour')} "
        f"(you will be asked to log in) to confirm it:\n\n{link}\n\n"
        "If it was not you, ignore this message: nothing changes.\n",
    )


def _tell_owner_of_taken_address(owner: User, address: str) -> None:
    site = current_app.config["SITE_NAME"]
    send_mail(address, f"Someone tried to use your address on {site}",
              f"Hello {owner.username},\n\nAnother member of {site} asked to move their account to this "
              "address. It belongs to your account, so nothing changed and nothing will.\n\n"
              "If you want to give this address up, change the email of your own account first.\n")


def email_from_token(user: User, token: str) -> str:
    """The new address a confirmation link is for, if it is this member's and still valid."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["EMAIL_CHANGE_TOKEN_MAX_AGE"])
    except SignatureExpired as exc:
        raise IdentityError("This confirmation link has expired. Ask for a new one in your settings.") from exc
    except BadSignature as exc:
        raise IdentityError("This confirmation link is not valid.") from exc
    if not isinstance(data, dict) or data.get("id") != user.id:
        raise IdentityError("This confirmation link is for another account. Log in as that member to use it.")
    if data.get("was") != _fingerprint(user.email_key):
        raise IdentityError("This confirmation link has already been used, or your email changed since. "
                            "Ask for a new one in your settings.")
    return str(data.get("email") or "")


def confirm_email_change(user: User, token: str) -> str:
    """Switch to the confirmed address, tell the old one; returns the new address."""
    from forum.accounts.service import get_user_by_email

    new_email = email_from_token(user, token)
    if get_user_by_email(new_email) is not None:
        raise IdentityError("Another account started using that email address meanwhile.")
    old_email = user.email
    user.email, user.email_key = new_email, email_key(new_email)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise IdentityError("Another account started using that email address meanwhile.") from exc
    if old_email:
        send_mail(old_email, "Your email address was changed",
                  f"Hello {user.username},\n\nThe email address of your account on {current_app.config['SITE_NAME']} "
                  f"was changed to {mask_email(new_email)}. If this was not you, reset your password now "
                  "and tell the forum's admins.\n")
    return new_email


def mask_email(value: str) -> str:
    """'tess@example.org' -> 't***@example.org'."""
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


# --------------------------------------------------------------------------- admins

def reveal_email(admin: User, target: User) -> str | None:
    """An admin looks at a member's email address: the look is written to the audit log first."""
    from moderation import audit

    if not admin.is_admin:
        raise IdentityError("Only admins can see email addresses.")
    audit.record(admin, "view_email", user=target, note="Email address shown on the admin page.")
    db.session.commit()
    return target.email
