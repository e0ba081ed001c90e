"""Checking credentials, shared by the web sign-in and the devices' token endpoint."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from fieldapp.auth import throttle
from fieldapp.extensions import db
from fieldapp.models import User

# Checked against when the username is unknown, so both cases take as long.
_DUMMY_HASH = None


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt: a user, or why not."""

    user: User | None
    throttled: bool = False


def _dummy_check(password: str) -> None:
    global _DUMMY_HASH
    user = User(password_hash="")
    if _DUMMY_HASH is None:
        user.set_password("not a real password")
        _DUMMY_HASH = user.password_hash
    user.password_hash = _DUMMY_HASH
    user.check_password(password)


def authenticate(username: str, password: str, remote_addr: str) -> SignIn:
    """Check a username and password, counting failures for throttling.

    An unknown user, an inactive one and a wrong password all come back as
    ``SignIn(None)``: callers show one message for all of them.
    """
    username = username.strip()
    if throttle.is_throttled(username, remote_addr):
        return SignIn(None, throttled=True)
    user = db.session.scalar(select(User).where(User.username == username.lower()))
    if user is None:
        _dummy_check(password)
    if user is None or not user.check_password(password) or not user.active:
        throttle.record_failure(username, remote_addr)
        return SignIn(None)
    throttle.clear(username)
    return SignIn(user)
