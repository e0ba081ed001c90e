"""Role checks for the web pages, always made on the server."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from fieldapp.models import Role


def role_required(*roles: Role) -> Callable:
    """Allow only signed-in users whose role is one of ``roles`` (others get 403)."""
    allowed = {str(role) for role in roles}

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
