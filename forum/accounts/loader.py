"""Flask-Login's user loader: the session id is 'user_id:session_version'."""
from __future__ import annotations

from forum.extensions import db
from forum.models import User


def load_user(session_id: str) -> User | None:
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.can_log_in:
        return None
    return user
