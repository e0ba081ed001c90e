"""Signing a device in and out: tokens that name a device row, and who the caller is."""

from __future__ import annotations

import base64
import secrets

from flask import current_app, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import undefer

from fieldapp.audit import operations as audit
from fieldapp.api.blueprint import bp
from fieldapp.accounts.tokens import token_required
from fieldapp.api.body import json_body
from fieldapp.api.errors import ApiError
from fieldapp.accounts import throttle
from fieldapp.accounts.credentials import authenticate
from fieldapp.accounts.operations import AccountError, change_own_password
from fieldapp.extensions import db
from fieldapp.models import AuditAction, Device
from fieldapp.models.types import utcnow
from fieldapp.accounts.tokens import DEVICE_LOST, issue_device_token, lost_device_error
from sync.fields import MAX_INT32

SIGN_IN_FIELDS = {"username": 64, "password": 1024, "device_name": 200}
NEW_PASSWORD_MAX = 1024
PASSWORD_CHANGE_REQUIRED = "Your password was reset. Choose a new password to sign in."
NO_CHANGE_DUE = "No password change is due; change it from the account page."
NOT_THIS_ACCOUNTS = "Not a phone of this account."
DEVICE_ID_TYPE = "Send the device_id this phone was given: a whole number."
NO_RECOVERY_KEY = ("This phone has no recovery key on the server. Sign in again with the password and this "
                   "phone's device_id to get one.")


@bp.post("/auth/token")
def create_token():
    """Sign a device in: 201 with a token naming a new device row (or, with ``device_id``, the phone's
    own row again) and the device's recovery key."""
    body = json_body(16 * 1024)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "Send a JSON object with username, password and device_name.")
    errors = {}
    for name, limit in SIGN_IN_FIELDS.items():
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            errors[name] = f"{name.replace('_', ' ').capitalize()} is required."
        elif problem := _text_problem(value, limit):
            errors[name] = problem
    new_password = body.get("new_password")
    if new_password is not None:
        if not isinstance(new_password, str) or not new_password:
            errors["new_password"] = "Enter a new password."
        elif problem := _text_problem(new_password, NEW_PASSWORD_MAX):
            errors["new_password"] = problem
    device_id = body.get("device_id")
    if isinstance(device_id, float) and device_id.is_integer():
        device_id = int(device_id)  # 7.0 is the integer 7 in JSON Schema, as the document declares it
    if device_id is not None and (type(device_id) is not int or not 1 <= device_id <= MAX_INT32):
        # A string, a float, a bool or an id no row can have: checked before any query names it.
        errors["device_id"] = NOT_THIS_ACCOUNTS if type(device_id) is int else DEVICE_ID_TYPE
    if errors:
        raise ApiError(400, "invalid_request", "Some fields are missing or wrong.", errors)
    outcome = authenticate(body["username"], body["password"], request.remote_addr or "")
    if outcome.throttled:
        raise ApiError(429, "throttled", f"{throttle.wait_text()}.",
                       headers={"Retry-After": str(int(current_app.config["LOGIN_THROTTLE_WINDOW"].total_seconds()))})
    if outcome.user is None:
        raise ApiError(401, "invalid_credentials", "That username and password do not match an active account.")
    user = outcome.user
    if device_id is not None:
        _existing_device(user.id, device_id)  # refused before a password is changed
    if new_password is not None or user.must_change_password:
        user = _change_password(user, body["password"], new_password)
    name = body["device_name"].strip()
    if device_id is None:
        device = Device(user_id=user.id, name=name, last_seen_at=utcnow(), recovery_key=secrets.token_bytes(32))
        db.session.add(device)
        db.session.flush()
        audit.record(AuditAction.COLLECT, "device", device.id, "device signed in", actor_id=user.id)
    else:
        device = _existing_device(user.id, device_id, lock=True)
        device.name, device.revoked_at, device.last_seen_at = name, None, utcnow()
        if device.recovery_key is None:  # a device signed in before recovery keys existed
            device.recovery_key = secrets.token_bytes(32)
            detail = "device signed in again; recovery key created"
        else:
            detail = "device signed in again; recovery key released"
        audit.record(AuditAction.ALTER, "device", device.id, detail, actor_id=user.id)
    token, expires_at = issue_device_token(device)
    body = {
        "token": token,
        "device_id": device.id,
        # Sent once per sign-in and never kept anywhere else: not logged, not audited, not on any page.
        "recovery_key": _encoded(device.recovery_key),
        "expires_at": expires_at.isoformat(),
        "user": {"username": user.username, "display_name": user.display_name, "role": user.role,
                 "team": user.team.name, "shoulder_number": user.shoulder_number},
    }
    db.session.commit()
    return jsonify(body), 201


def _encoded(key: bytes) -> str:
    """A recovery key as the API sends it: base64url without padding (43 characters for 32 bytes)."""
    return base64.urlsafe_b64encode(key).rstrip(b"=").decode("ascii")


@bp.get("/auth/recovery-key")
@token_required
def get_recovery_key():
    """The calling device's own recovery key, for a phone that holds a token but never received one
    (signed in before the phone app encrypted its store). Audited, never cached, never logged."""
    device_id = g.principal.device_id
    # Locked (on SQLite a request's transaction holds the write lock already): an admin marking the
    # phone lost at this moment goes first (401 device_lost) or waits.
    row = db.session.execute(
        select(Device.lost_at, Device.recovery_key).where(Device.id == device_id).with_for_update()).first()
    if row is not None and row.lost_at is not None:
        db.session.rollback()
        raise lost_device_error()
    if row is None or row.recovery_key is None:
        db.session.rollback()
        raise ApiError(404, "no_recovery_key", NO_RECOVERY_KEY)
    key = _encoded(row.recovery_key)
    audit.record(AuditAction.ALTER, "device", device_id, "device asked for its recovery key; recovery key released")
    db.session.commit()
    response = jsonify(recovery_key=key)
    response.headers["Cache-Control"] = "no-store"
    return response


def _text_problem(value: str, limit: int) -> str | None:
    """What is wrong with a given text field's value, if anything: too long, or a NUL."""
    if len(value) > limit:
        return f"At most {limit} characters."
    if "\x00" in value:
        return "May not contain the NUL character."
    return None


def _existing_device(user_id: int, device_id: int, *, lock: bool = False) -> Device:
    """The user's device ``device_id`` to sign in again (recovery after too many wrong PINs).

    Someone else's device and one that does not exist answer alike (400,
    ``errors.device_id``); a lost one answers 403 ``device_lost``. ``lock``:
    the row is locked for the rest of the transaction, so an admin marking
    it lost at the same moment goes first or waits.
    """
    query = select(Device).where(Device.id == device_id, Device.user_id == user_id).options(
        undefer(Device.recovery_key))
    if lock:  # on SQLite a request's transaction holds the write lock already (fieldapp.transactions)
        query = query.with_for_update()
    device = db.session.scalar(query.execution_options(populate_existing=True))
    if device is None:
        db.session.rollback()
        raise ApiError(400, "invalid_request", "Some fields are missing or wrong.", {"device_id": NOT_THIS_ACCOUNTS})
    if device.lost_at is not None:
        db.session.rollback()
        raise ApiError(403, "device_lost", DEVICE_LOST)
    return device


def _change_password(user, password: str, new_password: str | None):
    """After an admin's reset the temporary password signs a phone in only with a new one, set here.

    Answers 403 ``password_change_required`` without one (no device, no
    token), 400 for a new password that breaks the rules of every password
    (fieldapp.accounts.operations) or equals the temporary one, and 400 for a
    new password sent when no change is due: a client's mistake must not
    change a password silently. Otherwise the password is changed and audited
    as on the web page, and the write transaction stays open for the device.
    """
    if not user.must_change_password:
        raise ApiError(400, "invalid_request", "Some fields are missing or wrong.", {"new_password": NO_CHANGE_DUE})
    if new_password is None:
        raise ApiError(403, "password_change_required", PASSWORD_CHANGE_REQUIRED)
    if new_password == password:
        raise ApiError(400, "invalid_request", "Some fields are missing or wrong.",
                       {"new_password": "Choose a password different from the one you were given."})
    user_id = user.id
    db.session.rollback()  # the new password is hashed with no transaction open
    try:
        return change_own_password(user_id, new_password, commit=False)
    except AccountError as error:
        db.session.rollback()
        raise ApiError(400, "invalid_request", "Some fields are missing or wrong.",
                       {"new_password": str(error)}) from None


@bp.delete("/auth/token")
@token_required
def revoke_token():
    """Sign this device out: its token stops working at once."""
    device = db.session.get(Device, g.principal.device_id)
    device.revoked_at = utcnow()
    audit.record(AuditAction.ALTER, "device", device.id, "device signed out")
    db.session.commit()
    # The officer app erases its own store; this drops whatever the browser's HTTP cache kept.
    return "", 204, {"Clear-Site-Data": '"cache"'}


@bp.get("/me")
@token_required
def me():
    """The signed-in user and this device."""
    principal = g.principal
    return jsonify(user=principal.user_json(), device={"id": principal.device_id, "name": principal.device_name})
