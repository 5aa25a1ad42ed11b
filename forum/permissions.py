"""Route guards for roles: anonymous users go to log in, members get 403."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort
from flask_login import current_user

from forum.extensions import login_manager


def role_required(*roles: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403, description="This page is for " + " and ".join(f"{r}s" for r in roles) + " only.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


moderator_required = role_required("moderator", "admin")
admin_required = role_required("admin")
