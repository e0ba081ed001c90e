"""Device tokens, end to end: signing them (itsdangerous, one salt, an explicit
max age), reading them, and authenticating an API request by its bearer token."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps

from flask import current_app, g, request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update

from fieldapp.api.errors import ApiError
from fieldapp.extensions import db
from fieldapp.models import Device, Team, User
from fieldapp.models.types import utcnow

DEVICE_TOKEN_SALT = "fieldapp.device-token.v1"


class TokenExpired(Exception):
    """The token was genuine but is older than its max age."""

    names: tuple[int, int] | None = None  # the (device id, user id) it named


class TokenInvalid(Exception):
    """The token was not made by this server (or was altered)."""


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def token_max_age() -> timedelta:
    """How long a device token is valid (FIELDAPP_TOKEN_MAX_AGE_DAYS)."""
    return current_app.config["TOKEN_MAX_AGE"]


def make_device_token(device_id: int, user_id: int, signed_in: int | None = None) -> tuple[str, datetime]:
    """A bearer token naming a device row (and the sign-in it was issued at, if given), and when it expires."""
    payload = {"d": device_id, "u": user_id}
    if signed_in is not None:
        payload["s"] = signed_in
    token = _serializer(DEVICE_TOKEN_SALT).dumps(payload)
    return token, utcnow() + token_max_age()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def sign_in_mark(moment: datetime) -> int:
    """A device's ``signed_in_at`` as its tokens carry it: whole microseconds since 1970, no float."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def issue_device_token(device: Device) -> tuple[str, datetime]:
    """A new token for ``device`` (flushed), and when it expires; its earlier tokens stop counting.

    The device's ``signed_in_at`` becomes now and the token names it: a token
    naming another sign-in (or none, once the row has one) is refused, so a
    row reused by a sign-in with ``device_id`` does not bring back the tokens
    revoked before.
    """
    device.signed_in_at = utcnow()
    return make_device_token(device.id, device.user_id, sign_in_mark(device.signed_in_at))


def _names(payload) -> tuple[int, int, int | None]:
    if not isinstance(payload, dict) or not isinstance(payload.get("d"), int) or not isinstance(payload.get("u"), int):
        raise TokenInvalid
    signed_in = payload.get("s")
    if signed_in is not None and not isinstance(signed_in, int):
        raise TokenInvalid
    return payload["d"], payload["u"], signed_in


def read_device_token(token: str) -> tuple[int, int]:
    """The (device id, user id) a token names. Raises TokenExpired or TokenInvalid."""
    return read_device_token_sign_in(token)[:2]


def read_device_token_sign_in(token: str) -> tuple[int, int, int | None]:
    """The (device id, user id, sign-in mark or None) a token names. Raises TokenExpired (which names the
    device and user of a genuine expired token: a lost phone is told so even then) or TokenInvalid."""
    serializer = _serializer(DEVICE_TOKEN_SALT)
    try:
        payload = serializer.loads(token, max_age=int(token_max_age().total_seconds()))
    except SignatureExpired as expired:
        error = TokenExpired()
        try:
            error.names = _names(serializer.load_payload(expired.payload))[:2]
        except Exception:  # noqa: BLE001 - whatever it named, it has expired
            error.names = None
        raise error from None
    except BadSignature:
        raise TokenInvalid from None
    return _names(payload)


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


DEVICE_LOST = "This phone was reported lost: it can no longer be used with this service."


def lost_device_error() -> ApiError:
    """A lost phone's token: the phone erases its keys and data (docs/sync-protocol.md)."""
    return _unauthorized("device_lost", DEVICE_LOST)


def _is_lost(device_id: int, user_id: int) -> bool:
    lost = db.session.scalar(select(Device.lost_at).where(Device.id == device_id, Device.user_id == user_id))
    db.session.rollback()
    return lost is not None


def authenticate_request() -> Principal:
    """Check the bearer token, the device row and the user; raise 401 with the reason."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("token_missing", "Sign in on this device: send 'Authorization: Bearer <token>'.")
    try:
        device_id, user_id, signed_in = read_device_token_sign_in(token.strip())
    except TokenExpired as expired:
        if expired.names is not None and _is_lost(*expired.names):
            raise lost_device_error() from None
        raise _unauthorized("token_expired", "Your sign-in on this device has expired. Sign in again.") from None
    except TokenInvalid:
        raise _unauthorized("token_invalid", "This sign-in token is not valid. Sign in again.") from None
    # Plain columns, not ORM objects: this runs on every API call.
    row = db.session.execute(
        select(User.id, User.username, User.display_name, User.shoulder_number, User.role, User.team_id,
               User.active, Team.name.label("team_name"), Device.id.label("device_id"),
               Device.name.label("device_name"), Device.revoked_at, Device.last_seen_at, Device.lost_at,
               Device.signed_in_at)
        .select_from(Device)
        .join(User, Device.user_id == User.id)
        .join(Team, User.team_id == Team.id)
        .where(Device.id == device_id, User.id == user_id)
    ).first()
    if row is not None and row.lost_at is not None:
        db.session.rollback()
        raise lost_device_error()
    if (row is None or row.revoked_at is not None or not row.active
            or (row.signed_in_at is not None and signed_in != sign_in_mark(row.signed_in_at))):
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
