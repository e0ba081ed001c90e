"""Teams, users, the phones they sign in on, and sign-in attempts."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from fieldapp.extensions import db
from fieldapp.models.checks import in_list
from fieldapp.models.types import UTCDateTime, utcnow


class Role(StrEnum):
    """What a user may do: officers capture, supervisors review, admins manage."""

    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


#: Every role's name as stored, in this order wherever roles are listed.
ROLES: tuple[str, ...] = tuple(role.value for role in Role)

#: How the admin pages' forms name each role.
ROLE_LABELS: Mapping[str, str] = MappingProxyType({
    Role.OFFICER: "Officer or PCSO",
    Role.SUPERVISOR: "Supervisor",
    Role.ADMIN: "Admin",
})


class Team(db.Model):
    """A neighbourhood policing team; supervisors see their own team's entries."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # The police station the team works from: printed on stop and search receipts (GOWISELY's S).
    station: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="team")

    def __repr__(self) -> str:
        return f"<Team {self.name!r}>"


def _new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """A person who signs in: officer, supervisor or admin."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(in_list("role", ROLES), name="role"),)
    # Server defaults are read when used, not returned by every INSERT (see must_change_password).
    __mapper_args__ = {"eager_defaults": False}

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    shoulder_number: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    # Flask-Login keeps this in the session instead of the user id: changing it
    # (password reset, deactivation) signs the user out everywhere at once.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=_new_session_token)
    # Set by an admin's reset: the next web sign-in leads to 'Change your password' and nowhere else
    # until it is changed, so the password the admin saw stops working.
    # Deferred and defaulted by the server only: no statement the ORM writes by default names it, so the
    # code (the demo, the ingest) still runs against a database migrated to a revision before 0008.
    # The web session's loader asks for it with the user (fieldapp.accounts.sessions).
    must_change_password: Mapped[bool] = mapped_column(Boolean, server_default=false(), deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship(back_populates="users")
    devices: Mapped[list[Device]] = relationship(back_populates="user")

    def set_password(self, password: str) -> None:
        """Hash and keep ``password`` (scrypt); sign out every existing session."""
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.end_sessions()

    def end_sessions(self) -> None:
        """A new session token: every web session signed in before now ends at its next request."""
        self.session_token = _new_session_token()

    def check_password(self, password: str) -> bool:
        """Whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """The value Flask-Login stores in the session (see ``session_token``)."""
        return self.session_token

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username!r} {self.role}>"


class Device(db.Model):
    """One signed-in phone: API tokens name a device row so it can be revoked."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Issue 14. The phone's data key is wrapped with this (32 random bytes, made at sign-in and sent once):
    # released again only to this device at a sign-in with the password; NULL once the device is lost.
    # Deferred: loaded only where it is used (signing in), never with a device listed on a page.
    recovery_key: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    # Set when an admin marks the phone lost: its token answers 401 device_lost and the phone erases itself.
    lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The latest sign-in on this row, which its token names (fieldapp.accounts.tokens): a token of an earlier
    # sign-in is refused, so a row reused by a sign-in with device_id does not bring back its revoked tokens.
    # NULL on rows from before migration 0010: their tokens name no sign-in and count until revoked.
    signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="devices")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def lost(self) -> bool:
        return self.lost_at is not None


class LoginAttempt(db.Model):
    """A sign-in attempt, kept in the database so throttling holds across processes.

    The row is written and committed before the password is checked, and
    deleted again when the attempt succeeds: counting committed rows is then
    atomic (see fieldapp.accounts.throttle).
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "attempted_at"),
        Index("ix_login_attempts_remote_addr_at", "remote_addr", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    remote_addr: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set once the password proved wrong: an address's cap counts failures, not sign-ins in flight.
    # No ORM default and deferred, as must_change_password: older-revision migration tests use the models.
    failed: Mapped[bool] = mapped_column(Boolean, server_default=false(), deferred=True)
