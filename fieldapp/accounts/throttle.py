"""Sign-in throttling, counted in the database so it holds across app processes."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, func, select

from fieldapp.extensions import db
from fieldapp.models import LoginAttempt
from fieldapp.models.types import utcnow


def is_throttled(username: str, remote_addr: str) -> bool:
    """Whether the username or the address has used up its failed attempts in the window."""
    since = utcnow() - current_app.config["LOGIN_THROTTLE_WINDOW"]
    limit = current_app.config["LOGIN_THROTTLE_LIMIT"]
    by_user = select(func.count()).where(
        LoginAttempt.username == username.lower(), LoginAttempt.attempted_at >= since
    )
    by_addr = select(func.count()).where(
        LoginAttempt.remote_addr == remote_addr, LoginAttempt.attempted_at >= since
    )
    return (db.session.scalar(by_user) or 0) >= limit or (db.session.scalar(by_addr) or 0) >= limit


def record_failure(username: str, remote_addr: str) -> None:
    """Count one failed sign-in (committed at once, whatever the request does next)."""
    db.session.add(LoginAttempt(username=username.lower()[:64], remote_addr=remote_addr[:64]))
    # Old attempts are of no use; trim them as we go so the table stays small.
    window = current_app.config["LOGIN_THROTTLE_WINDOW"]
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < utcnow() - 4 * window))
    db.session.commit()


def clear(username: str) -> None:
    """Forget a username's failures after it signs in successfully."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.username == username.lower()))
    db.session.commit()
