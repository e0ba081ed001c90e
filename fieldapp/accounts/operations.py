"""Teams, users and their devices: the writes behind ``fieldapp create-user``, the demo and admin pages."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.transactions import begin_write
from fieldapp.models import ROLES, AuditAction, Device, Team, User
from fieldapp.models.types import utcnow

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A user could not be created or changed; the message says why, ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def get_or_create_team(name: str) -> Team:
    """The team called ``name``, created if it does not exist."""
    name = name.strip()
    if not name or len(name) > 200:
        raise AccountError("A team name must be 1 to 200 characters.", "team")
    team = db.session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        db.session.add(team)
        db.session.flush()
    return team


def check_password_strength(password: str) -> None:
    """Refuse passwords too short to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.", "password")


def create_user(username: str, password: str, *, role: str, team_name: str,
                display_name: str | None = None, shoulder_number: str | None = None,
                commit: bool = True) -> User:
    """Add a user with a hashed password. Usernames are stored in lower case."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError("A username is 2 to 64 characters: letters, digits, '.', '_' or '-'.", "username")
    if role not in ROLES:
        raise AccountError(f"Unknown role {role!r}: use {', '.join(ROLES[:-1])} or {ROLES[-1]}.", "role")
    check_password_strength(password)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"There is already a user called {username!r}.", "username")
    user = User(
        username=username,
        display_name=(display_name or username).strip()[:200],
        shoulder_number=(shoulder_number or None),
        role=role,
        team=get_or_create_team(team_name),
    )
    user.set_password(password)
    db.session.add(user)
    if commit:
        db.session.commit()
    return user


# --- Administration: every change below is audited and committed with its event. ---


def generate_password() -> str:
    """A random password to read out or type once: 4 groups of 4 letters and digits (about 82 bits)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: it is read off a screen
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def add_user(username: str, password: str, *, role: str, team_name: str, display_name: str | None = None,
             shoulder_number: str | None = None) -> User:
    """Create a user from the admin pages, log it, and commit.

    The team is created when ``team_name`` is new. A username taken by a
    concurrent request is reported as an :class:`AccountError` like any other.
    """
    begin_write()
    new_team = db.session.scalar(select(Team.id).where(Team.name == team_name.strip())) is None
    try:
        user = create_user(username, password, role=role, team_name=team_name, display_name=display_name,
                           shoulder_number=shoulder_number, commit=False)
        db.session.flush()
    except IntegrityError:  # the same username or team added at this moment by another admin (PostgreSQL)
        db.session.rollback()
        raise AccountError(f"There is already a user called {username.strip().lower()!r}.", "username") from None
    if new_team:
        audit.record(AuditAction.COLLECT, "team", user.team_id, f"team created: {user.team.name}"[:500])
    audit.record(AuditAction.COLLECT, "user", user.id,
                 f"user created: {user.username}, role {user.role}, team {user.team.name}")
    db.session.commit()
    return user


def update_user(user: User, *, display_name: str, shoulder_number: str | None, role: str, team_name: str,
                acting_user_id: int) -> list[str]:
    """Change a user's name, shoulder number, role or team; log what changed and commit. Returns the changes.

    Entries keep the team they were made in (their supervisors keep them);
    what the user sends from now on belongs to the new team. Sessions and
    devices carry on: roles and teams are read afresh on every request.
    An admin cannot change their own role, so there is always one admin left
    who can put a mistake right.
    """
    begin_write()
    if role not in ROLES:
        raise AccountError("Choose a role from the list.", "role")
    if user.id == acting_user_id and role != user.role:
        raise AccountError("You cannot change your own role: ask another admin.", "role")
    team = db.session.scalar(select(Team).where(Team.name == team_name))
    if team is None:
        raise AccountError("Choose a team from the list.", "team")
    display_name = display_name.strip()[:200]
    if not display_name:
        raise AccountError("Enter the name to show.", "display_name")
    shoulder_number = (shoulder_number or "").strip() or None
    changes = []
    if display_name != user.display_name:
        changes.append(f"display name {user.display_name!r} to {display_name!r}")
    if shoulder_number != user.shoulder_number:
        changes.append(f"shoulder number {user.shoulder_number or 'none'} to {shoulder_number or 'none'}")
    if role != user.role:
        changes.append(f"role {user.role} to {role}")
    if team.id != user.team_id:
        changes.append(f"team {user.team.name} to {team.name}")
    if not changes:
        db.session.rollback()
        return []
    user.display_name, user.shoulder_number, user.role, user.team = display_name, shoulder_number, role, team
    audit.record(AuditAction.ALTER, "user", user.id, ("user changed: " + "; ".join(changes))[:500])
    db.session.commit()
    return changes


def _revoke_devices_of(user: User, reason: str) -> int:
    """Revoke every live device of ``user``, logging each; returns how many."""
    device_ids = list(db.session.scalars(
        select(Device.id).where(Device.user_id == user.id, Device.revoked_at.is_(None))))
    if device_ids:
        db.session.execute(update(Device).where(Device.id.in_(device_ids)).values(revoked_at=utcnow()))
        audit.record_many(AuditAction.ALTER, "device", device_ids, reason)
    return len(device_ids)


def deactivate_user(user: User, *, acting_user_id: int) -> int:
    """Deactivate ``user``: sessions end and every device token stops working. Returns devices revoked.

    An admin cannot deactivate themselves: it would lock them out mid-task
    and could leave no admin at all.
    """
    begin_write()
    if user.id == acting_user_id:
        raise AccountError("You cannot deactivate your own account.")
    if not user.active:
        raise AccountError(f"{user.username} is already deactivated.")
    user.active = False
    # A new session token ends every web session now, and keeps them ended
    # if the user is reactivated later.
    user.end_sessions()
    revoked = _revoke_devices_of(user, f"device revoked: user {user.username} deactivated")
    audit.record(AuditAction.ALTER, "user", user.id, f"user deactivated; {revoked} device(s) revoked")
    db.session.commit()
    return revoked


def reactivate_user(user: User) -> None:
    """Let ``user`` sign in again. Their old devices stay revoked: each phone signs in afresh."""
    begin_write()
    if user.active:
        raise AccountError(f"{user.username} is already active.")
    user.active = True
    audit.record(AuditAction.ALTER, "user", user.id, "user reactivated")
    db.session.commit()


def reset_password(user: User) -> tuple[str, int]:
    """Give ``user`` a new random password; return it (to show once; only its hash is kept) and devices revoked.

    Their web sessions end (a new session token), and so do their phones: each
    device token fails with ``token_revoked``, and the officer app keeps its
    unsent entries and asks to sign in again. The password the admin saw works
    for one web sign-in only, which leads to 'Change your password' and
    nowhere else until the user has chosen their own.
    """
    begin_write()
    password = generate_password()
    user.set_password(password)
    user.must_change_password = True
    revoked = _revoke_devices_of(user, f"device revoked: password of {user.username} reset")
    audit.record(AuditAction.ALTER, "user", user.id, f"password reset by an admin; {revoked} device(s) revoked")
    db.session.commit()
    return password, revoked


def change_own_password(user_id: int, new_password: str, *, commit: bool = True) -> User:
    """A user chose a new password (the caller checked their current one): keep it, log it, commit.

    Call it with no transaction open: the new password is hashed first (see
    fieldapp.accounts.credentials). Their other web sessions end (a new session
    token: the caller signs this one in again); their phones carry on, since
    the person holding them made the change. With ``commit=False`` the write
    transaction stays open for the caller to add to and commit (the phone's
    sign-in issues its token in it).
    """
    check_password_strength(new_password)
    password_hash = generate_password_hash(new_password, method="scrypt")
    begin_write()
    user = db.session.get(User, user_id)
    user.password_hash = password_hash
    user.end_sessions()
    user.must_change_password = False
    audit.record(AuditAction.ALTER, "user", user.id, "password changed by its user", actor_id=user.id)
    if commit:
        db.session.commit()
    return user


def record_created(user: User, new_team: bool, how: str) -> None:
    """Log a user (and their team, when it is new) created outside the admin pages, e.g. ``how="from the CLI"``."""
    db.session.flush()
    if new_team:
        audit.record(AuditAction.COLLECT, "team", user.team_id, f"team created {how}: {user.team.name}"[:500])
    audit.record(AuditAction.COLLECT, "user", user.id,
                 f"user created {how}: {user.username}, role {user.role}, team {user.team.name}")


def revoke_device(device: Device) -> None:
    """Sign a phone out: its API token fails at once with ``token_revoked``."""
    begin_write()
    if device.revoked_at is not None:
        raise AccountError("That device is already revoked.")
    device.revoked_at = utcnow()
    audit.record(AuditAction.ALTER, "device", device.id, "device revoked by an admin")
    db.session.commit()


def mark_device_lost(device: Device) -> None:
    """A lost or stolen phone: its token answers 401 ``device_lost`` from now on (the phone erases its
    keys and data if it ever connects again), and its recovery key is destroyed, so nothing the server
    holds can open the data left on it. Also for a device already revoked; not twice."""
    begin_write()
    locked = db.session.scalar(select(Device).where(Device.id == device.id).with_for_update()
                               .execution_options(populate_existing=True))
    if locked.lost_at is not None:
        raise AccountError("That device is already marked lost.")
    now = utcnow()
    locked.lost_at = now
    if locked.revoked_at is None:
        locked.revoked_at = now
    locked.recovery_key = None
    audit.record(AuditAction.ALTER, "device", locked.id, "device marked lost; recovery key destroyed")
    db.session.commit()
