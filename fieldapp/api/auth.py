"""Bearer-token authentication for the API: who is calling, from which device."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from flask import g, request
from sqlalchemy import select, update

from fieldapp.api.errors import ApiError
from fieldapp.extensions import db
from fieldapp.models import Device, Team, User
from fieldapp.models.types import utcnow
from fieldapp.signing import TokenExpired, TokenInvalid, read_device_token

# Touch a device's last_seen at most this often: not a write per request.
LAST_SEEN_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class Principal:
    """The caller, as plain values: safe to use after the session's transaction ends."""

    user_id: int
    username: str
    display_name: str
    shoulder_number: str | None
    role: str
    team_id: int
    team_name: str
    device_id: int
    device_name: str

    @property
    def id(self) -> int:
        return self.user_id

    def user_json(self) -> dict:
        return {"username": self.username, "display_name": self.display_name, "role": self.role,
                "team": self.team_name, "shoulder_number": self.shoulder_number}


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": 'Bearer realm="fieldapp"'})


def authenticate_request() -> Principal:
    """Check the bearer token, the device row and the user; raise 401 with the reason."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("token_missing", "Sign in on this device: send 'Authorization: Bearer <token>'.")
    try:
        device_id, user_id = read_device_token(token.strip())
    except TokenExpired:
        raise _unauthorized("token_expired", "Your sign-in on this device has expired. Sign in again.") from None
    except TokenInvalid:
        raise _unauthorized("token_invalid", "This sign-in token is not valid. Sign in again.") from None
    # Plain columns, not ORM objects: this runs on every API call.
    row = db.session.execute(
        select(User.id, User.username, User.display_name, User.shoulder_number, User.role, User.team_id,
               User.active, Team.name.label("team_name"), Device.id.label("device_id"),
               Device.name.label("device_name"), Device.revoked_at, Device.last_seen_at)
        .select_from(Device)
        .join(User, Device.user_id == User.id)
        .join(Team, User.team_id == Team.id)
        .where(Device.id == device_id, User.id == user_id)
    ).first()
    if row is None or row.revoked_at is not None or not row.active:
        db.session.rollback()
        raise _unauthorized("token_revoked", "This device has been signed out. Sign in again.")
    principal = Principal(row.id, row.username, row.display_name, row.shoulder_number, row.role,
                          row.team_id, row.team_name, row.device_id, row.device_name)
    now = utcnow()
    if row.last_seen_at is None or now - row.last_seen_at > LAST_SEEN_EVERY:
        db.session.execute(update(Device).where(Device.id == row.device_id).values(last_seen_at=now))
        db.session.commit()
    else:
        db.session.rollback()  # end the read: write paths start their own transaction
    return principal


def token_required(view: Callable) -> Callable:
    """Run ``view`` only for a valid device token; the caller is ``g.principal``."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.principal = authenticate_request()
        return view(*args, **kwargs)

    return wrapper
