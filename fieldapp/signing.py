"""Every use of itsdangerous in one place, each with its own salt and an explicit max age."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from fieldapp.models.types import utcnow

DEVICE_TOKEN_SALT = "fieldapp.device-token.v1"


class TokenExpired(Exception):
    """The token was genuine but is older than its max age."""


class TokenInvalid(Exception):
    """The token was not made by this server (or was altered)."""


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def token_max_age() -> timedelta:
    """How long a device token is valid (FIELDAPP_TOKEN_MAX_AGE_DAYS)."""
    return current_app.config["TOKEN_MAX_AGE"]


def make_device_token(device_id: int, user_id: int) -> tuple[str, datetime]:
    """A bearer token naming a device row, and when it expires."""
    token = _serializer(DEVICE_TOKEN_SALT).dumps({"d": device_id, "u": user_id})
    return token, utcnow() + token_max_age()


def read_device_token(token: str) -> tuple[int, int]:
    """The (device id, user id) a token names. Raises TokenExpired or TokenInvalid."""
    try:
        payload = _serializer(DEVICE_TOKEN_SALT).loads(token, max_age=int(token_max_age().total_seconds()))
    except SignatureExpired:
        raise TokenExpired from None
    except BadSignature:
        raise TokenInvalid from None
    if not isinstance(payload, dict) or not isinstance(payload.get("d"), int) or not isinstance(payload.get("u"), int):
        raise TokenInvalid
    return payload["d"], payload["u"]
