"""Checking credentials, shared by the web sign-in and the devices' token endpoint."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from fieldapp.accounts import throttle
from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction, User

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
    """Check a username and password, counting the attempt for throttling and logging a failure.

    An unknown user, an inactive one and a wrong password all come back as
    ``SignIn(None)``: callers show one message for all of them. A failure is
    audited against the account's id when there is one, and as 'unknown
    account' otherwise: the username as typed is never logged.

    The password is hashed with no transaction open and no connection held
    (scrypt takes tens of milliseconds on purpose): on SQLite a request's
    transaction holds the write lock, and on PostgreSQL a connection held
    through the hash is one fewer for everyone else, and one more to lose.
    """
    username = username.strip()
    attempt = throttle.begin(username, remote_addr)
    account = db.session.execute(
        select(User.id, User.password_hash, User.active).where(User.username == username.lower())).first()
    db.session.rollback()  # ends the read and gives the connection back before hashing
    account_id = account.id if account is not None else None
    if attempt.throttled:
        _log_failure(account_id, "sign-in refused: too many attempts from this address")
        return SignIn(None, throttled=True)
    if account is None:
        _dummy_check(password)
        _log_failure(None, "sign-in failed: unknown account")
        throttle.failed(attempt)
        return SignIn(None)
    if not check_password_hash(account.password_hash, password):
        _log_failure(account_id, "sign-in failed: wrong password")
        throttle.failed(attempt)
        return SignIn(None)
    if not account.active:
        _log_failure(account_id, "sign-in failed: account deactivated")
        throttle.failed(attempt)
        return SignIn(None)
    throttle.succeeded(attempt)
    return SignIn(db.session.get(User, account.id))


def _log_failure(account_id: int | None, detail: str) -> None:
    """Audit a failed or refused sign-in (committed at once, whatever the request does next)."""
    audit.record(AuditAction.CONSULT, "user", account_id, detail)
    db.session.commit()


def password_matches(user_id: int, password: str) -> bool:
    """Whether ``password`` is the user's current one (hashed with no transaction open, as above)."""
    password_hash = db.session.scalar(select(User.password_hash).where(User.id == user_id))
    db.session.rollback()
    return password_hash is not None and check_password_hash(password_hash, password)
