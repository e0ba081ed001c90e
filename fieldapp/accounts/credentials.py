"""Checking credentials, shared by the web sign-in and the devices' token endpoint."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from fieldapp.accounts import throttle
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
    if _DUMMY_HASH is None:
        _DUMMY_HASH = generate_password_hash("not a real password", method="scrypt")
    check_password_hash(_DUMMY_HASH, password)


def authenticate(username: str, password: str, remote_addr: str) -> SignIn:
    """Check a username and password, counting failures for throttling.

    An unknown user, an inactive one and a wrong password all come back as
    ``SignIn(None)``: callers show one message for all of them.

    The password is hashed with no transaction open and no connection held
    (scrypt takes tens of milliseconds on purpose): on SQLite a request's
    transaction holds the write lock, and on PostgreSQL a connection held
    through the hash is one fewer for everyone else, and one more to lose.
    """
    username = username.strip()
    throttled = throttle.is_throttled(username, remote_addr)
    account = None if throttled else db.session.execute(
        select(User.id, User.password_hash, User.active).where(User.username == username.lower())).first()
    db.session.rollback()  # ends the read and gives the connection back before hashing
    if throttled:
        return SignIn(None, throttled=True)
    if account is None:
        _dummy_check(password)
    if account is None or not check_password_hash(account.password_hash, password) or not account.active:
        throttle.record_failure(username, remote_addr)
        return SignIn(None)
    throttle.clear(username)
    return SignIn(db.session.get(User, account.id))
