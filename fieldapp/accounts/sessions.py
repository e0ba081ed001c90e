"""The session cookie, loading the signed-in user from it, and when a web session ends.

A web session ends:

- at sign-out, on the server: the user's session token (what the cookie
  holds instead of their id) is replaced, so every copy of the cookie,
  wherever it was copied to, loads nobody from then on;
- after SESSION_IDLE without a request (FIELDAPP_SESSION_IDLE_MINUTES), and
  SESSION_MAX_AGE after sign-in whatever happens (FIELDAPP_SESSION_MAX_HOURS).
  Both times are kept in the signed cookie (it cannot be altered without the
  secret key) and checked each time the user is loaded. An expired session
  is emptied and its holder sent to the sign-in page with :data:`EXPIRED`.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, g, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import login_url
from sqlalchemy import select
from sqlalchemy.orm import undefer

from fieldapp.extensions import db, login_manager
from fieldapp.models import User

EXPIRED = "Your session expired; sign in again."

#: The session's keys: when it signed in, and when it was last used (whole seconds since the epoch).
SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"

#: The last-use time is written back at most this often (seconds): not a new cookie on every request.
SEEN_EVERY = 60


def now() -> int:
    """The time the session checks use (seconds since the epoch)."""
    return int(time.time())


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def start() -> None:
    """Stamp a new signed-in session with its sign-in and last-use times."""
    session[SIGNED_IN_AT] = session[SEEN_AT] = now()


def _expired() -> bool:
    """Whether the session is past its idle time or its lifetime (or carries no times at all)."""
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return True  # a session from before these times were kept
    current = now()
    idle = current_app.config["SESSION_IDLE"].total_seconds()
    lifetime = current_app.config["SESSION_MAX_AGE"].total_seconds()
    return current - seen_at > idle or current - signed_in_at > lifetime


def load_user(session_token: str) -> User | None:
    """Flask-Login's loader: the session holds the user's session token, not their id.

    The session's times are checked first: an expired session loads nobody,
    is emptied, and says why on the next page.
    """
    if _expired():
        session.clear()
        g.session_expired = True
        flash(EXPIRED)
        return None
    user = db.session.scalar(select(User).options(undefer(User.must_change_password))
                             .where(User.session_token == session_token, User.active.is_(True)))
    if user is not None and now() - session[SEEN_AT] >= SEEN_EVERY:
        session[SEEN_AT] = now()
    return user


@login_manager.unauthorized_handler
def send_to_sign_in():
    """A page that needs a signed-in user: to the sign-in page, saying why (expired, or not signed in)."""
    if not g.pop("session_expired", False):
        flash(login_manager.login_message)
    return redirect(login_url(login_manager.login_view, next_url=request.url))
