"""The session cookie and loading the signed-in user from it."""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import User


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def load_user(session_token: str) -> User | None:
    """Flask-Login's loader: the session holds the user's session token, not their id."""
    return db.session.scalar(select(User).where(User.session_token == session_token, User.active.is_(True)))
