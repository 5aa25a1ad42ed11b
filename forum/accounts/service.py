"""Accounts: registration, authentication, password reset tokens, roles."""
from __future__ import annotations

import unicodedata

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from forum.extensions import db
from forum.mail import send_mail
from forum.models import ROLES, User, utcnow
from forum.text import USERNAME_RE, email_key, has_invisible, name_key, plural, skeleton

MIN_PASSWORD = 10
_DUMMY_HASH = generate_password_hash("timing-equaliser-not-a-password")


class AccountError(ValueError):
    """A rule about accounts was broken; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def username_problem(username: str, owner: User | None = None) -> str | None:
    """Why this name cannot be taken (by ``owner``, when a member renames), or None."""
    if has_invisible(username):
        return "Usernames cannot contain invisible or control characters."
    if not USERNAME_RE.match(username):
        return "Use 3 to 30 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit."
    if get_user_by_name(username) is not None or looks_like_another(username, owner):
        return "That username is taken (names that differ only by case or look-alike characters count as the same)."
    from forum.privacy.identity import reservation_problem  # names given up recently stay reserved

    return reservation_problem(username, owner.id if owner is not None else None)


def looks_like_another(username: str, owner: User | None = None) -> bool:
    """True when another member's name looks the same (AIice beside alice, moderator.ana beside moderator_ana)."""
    query = select(User.id).where(User.username_skeleton == skeleton(username))
    if owner is not None:
        query = query.where(User.id != owner.id)
    return db.session.scalar(query.limit(1)) is not None


def get_user_by_name(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_key == name_key(username)))


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email_key == email_key(email)))


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters; a few words strung together work well."
    return None


def register(username: str, email: str, password: str, role: str = "member") -> User:
    """Create an account at once (the CLI, the importer, tests); members register by mail link."""
    username = _clean_username(username)
    for problem, field in ((username_problem(username), "username"), (password_problem(password), "password")):
        if problem:
            raise AccountError(problem, field)
    if get_user_by_email(email) is not None:
        raise AccountError("An account with that email address already exists. Try resetting your password.", "email")
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}.")
    user = User(
        username=username,
        username_key=name_key(username),
        email=email.strip(),
        email_key=email_key(email),
        password_hash=hash_password(password),
        role=role,
    )
    db.session.add(user)
    db.session.commit()
    return user


def _register_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="register")


def _clean_username(username: str) -> str:

    return unicodedata.normalize("NFKC", (username or "").strip())


def request_registration(username: str, email: str) -> None:
    """Step one of registering: the same answer whether or not the address has an account.

    A new address gets a link to choose a password and finish; an address that already has an
    account gets a reminder instead, so the page never tells a stranger who is a member here.
    """
    username, email = _clean_username(username), (email or "").strip()
    if problem := username_problem(username):
        raise AccountError(problem, "username")
    site = current_app.config["SITE_NAME"]
    owner = get_user_by_email(email)
    if owner is not None:
        send_mail(email, f"You already have an account on {site}",
                  f"Hello {owner.username},\n\nSomeone (perhaps you) tried to register a new account on {site} "
                  f"with this address. It already belongs to your account, so nothing was created.\n\n"
                  f"Log in: {url_for('accounts.login', _external=True)}\n"
                  f"Forgot your password? {url_for('accounts.reset', _external=True)}\n\n"
                  "If it was not you, ignore this message; your account is unchanged.\n")
        return
    token = _register_serializer().dumps({"u": username, "e": email})
    hours = max(1, current_app.config["REGISTER_TOKEN_MAX_AGE"] // 3600)
    send_mail(email, f"Finish registering on {site}",
              f"Hello {username},\n\nOpen this link within {plural(hours, 'hour')} to choose a "
              f"password and finish creating your account:\n\n"
              f"{url_for('accounts.register_finish', token=token, _external=True)}\n\n"
              "If it was not you, ignore this message: no account is created.\n")


def registration_from_token(token: str) -> tuple[str, str]:
    """(username, email) from a registration link, or AccountError saying why it cannot be used."""
    try:
        data = _register_serializer().loads(token, max_age=current_app.config["REGISTER_TOKEN_MAX_AGE"])
    except SignatureExpired as exc:
        raise AccountError("This registration link has expired. Register again to get a new one.") from exc
    except BadSignature as exc:
        raise AccountError("This registration link is not valid. Register again to get a new one.") from exc
    if not isinstance(data, dict) or get_user_by_email(str(data.get("e", ""))) is not None:
        raise AccountError("This registration link has already been used. Log in, or reset your password.")
    return str(data.get("u", "")), str(data.get("e", ""))


def complete_registration(token: str, password: str) -> User:
    """Step two: the member followed the link from their mail and chose a password."""
    username, email = registration_from_token(token)
    return register(username, email, password)


def authenticate(login: str, password: str) -> User | None:
    """Same work and same answer for unknown users and wrong passwords."""
    login = login.strip()
    user = get_user_by_email(login) if "@" in login else get_user_by_name(login)
    if user is None or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or user.banned_at is not None:
        return None
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not user.password_hash or not check_password_hash(user.password_hash, current):
        raise AccountError("Your current password is not right.", "current_password")
    _set_password(user, new)


def _set_password(user: User, new: str) -> None:
    problem = password_problem(new)
    if problem:
        raise AccountError(problem, "new_password")
    user.password_hash = hash_password(new)
    user.session_version += 1
    db.session.commit()


def end_all_sessions(user: User) -> None:
    """Every session and remember-me cookie of this member stops working, copies included:
    they carry the old session_version, which the user loader refuses."""
    user.session_version += 1
    db.session.commit()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    """The token embeds a fingerprint of the password hash, so it dies once used."""
    return _serializer().dumps({"id": user.id, "pw": (user.password_hash or "")[-16:]})


def send_reset_mail(email: str) -> None:
    user = get_user_by_email(email)
    if user is None or not user.can_log_in:
        return
    token = make_reset_token(user)
    link = url_for("accounts.reset_with_token", token=token, _external=True)
    minutes = current_app.config["RESET_TOKEN_MAX_AGE"] // 60
    send_mail(
        user.email or "",
        "Reset your password",
        f"Hello {user.username},\n\nSomeone asked to reset the password of your forum account.\n"
        f"Open this link within {plural(minutes, 'minute')} to choose a new one:\n\n{link}\n\n"
        "If it was not you, ignore this message; your password stays as it is.\n",
    )


def user_for_reset_token(token: str) -> User:
    try:
        data = _serializer().loads(token, max_age=current_app.config["RESET_TOKEN_MAX_AGE"])
    except SignatureExpired as exc:
        raise AccountError("This reset link has expired. Ask for a new one.") from exc
    except BadSignature as exc:
        raise AccountError("This reset link is not valid. Ask for a new one.") from exc
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or (user.password_hash or "")[-16:] != data.get("pw"):
        raise AccountError("This reset link has already been used or is not valid. Ask for a new one.")
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    _set_password(user, new_password)
    return user


def set_role(actor: User, target: User, role: str) -> None:
    if not actor.is_admin:
        raise AccountError("Only admins can change roles.")
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")
    if target.id == actor.id and role != "admin":
        raise AccountError("You cannot remove your own admin role; ask another admin.")
    from moderation import audit  # the audit log lives with moderation; imported here to avoid a cycle

    before = audit.user_state(target)
    target.role = role
    audit.record(actor, "set_role", user=target, before=before, after=audit.user_state(target))
    db.session.commit()


def touch_last_seen(user: User) -> None:
    user.last_seen_at = utcnow()
