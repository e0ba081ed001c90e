"""Sign-in throttling, counted in the database so it holds across app processes.

Two limits, both over the last LOGIN_THROTTLE_WINDOW:

- a (username, address) pair gets LOGIN_THROTTLE_LIMIT attempts: someone
  guessing from one place is slowed down, while the real user signing in from
  elsewhere is not locked out by them;
- an address gets LOGIN_THROTTLE_ADDRESS_LIMIT failed attempts whatever the
  usernames, so one place cannot try a password on every account (sign-ins
  still in flight do not count: a station's officers share one address).

Counting is atomic without a lock: each attempt first inserts its own row and
commits it, and only then counts the rows. The n-th row committed sees at
least n rows, so however many attempts run at once, at most the limit of them
see a count within it (the old check-then-insert let all of them through
while they were all hashing). An attempt that succeeds deletes its pair's
rows; one that is refused deletes its own row at once, so the table does not
grow under a flood, and the window counts only the attempts that were heard.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, select, update

from fieldapp.extensions import db
from fieldapp.models import LoginAttempt
from fieldapp.models.types import utcnow


@dataclass(frozen=True)
class Attempt:
    """One counted sign-in attempt: its row, and whether it may go on to the password check."""

    attempt_id: int
    username: str
    remote_addr: str
    throttled: bool


def _key(username: str, remote_addr: str) -> tuple[str, str]:
    return username.strip().lower()[:64], remote_addr[:64]


def begin(username: str, remote_addr: str) -> Attempt:
    """Count an attempt (committed at once) and say whether it is over a limit.

    A refused attempt's row is removed again: only attempts that were heard count.
    """
    username, remote_addr = _key(username, remote_addr)
    window = current_app.config["LOGIN_THROTTLE_WINDOW"]
    row = LoginAttempt(username=username, remote_addr=remote_addr, attempted_at=utcnow())
    db.session.add(row)
    db.session.flush()
    # Read the id before the commit: after it, reading it would reload the row, which a concurrent
    # successful sign-in of the same pair may already have deleted (ObjectDeletedError: a 500).
    attempt_id = row.id
    db.session.commit()
    since = utcnow() - window
    by_pair = select(func.count()).where(LoginAttempt.username == username, LoginAttempt.remote_addr == remote_addr,
                                         LoginAttempt.attempted_at >= since)
    # The address's cap counts its failures (and this attempt): a station's officers signing in at
    # once from one address are sign-ins in flight, not guesses.
    by_addr = select(func.count()).where(LoginAttempt.remote_addr == remote_addr, LoginAttempt.attempted_at >= since,
                                         LoginAttempt.failed.is_(True) | (LoginAttempt.id == attempt_id))
    throttled = ((db.session.scalar(by_pair) or 0) > current_app.config["LOGIN_THROTTLE_LIMIT"]
                 or (db.session.scalar(by_addr) or 0) > current_app.config["LOGIN_THROTTLE_ADDRESS_LIMIT"])
    if throttled:
        db.session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))
    # Old attempts are of no use; trim them as we go so the table stays small.
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < utcnow() - 4 * window))
    db.session.commit()
    return Attempt(attempt_id, username, remote_addr, throttled)


def wait_text() -> str:
    """How long a throttled sign-in waits, in words: the window as configured."""
    minutes = max(1, round(current_app.config["LOGIN_THROTTLE_WINDOW"].total_seconds() / 60))
    return f"Too many failed sign-ins. Wait {minutes} minute{'s' if minutes != 1 else ''} and try again"


def failed(attempt: Attempt) -> None:
    """The password (or account) was wrong: the attempt now counts towards its address's cap."""
    db.session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt.attempt_id).values(failed=True))
    db.session.commit()


def succeeded(attempt: Attempt) -> None:
    """The password was right: forget this pair's attempts (other addresses' stay counted)."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.username == attempt.username,
                                                  LoginAttempt.remote_addr == attempt.remote_addr))
    db.session.commit()
