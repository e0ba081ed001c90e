"""Signing a device in and out: tokens that name a device row, and who the caller is."""

from __future__ import annotations

from flask import current_app, g, jsonify, request

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
from fieldapp.accounts.tokens import make_device_token

SIGN_IN_FIELDS = {"username": 64, "password": 1024, "device_name": 200}
NEW_PASSWORD_MAX = 1024
PASSWORD_CHANGE_REQUIRED = "Your password was reset. Choose a new password to sign in."
NO_CHANGE_DUE = "No password change is due; change it from the account page."


@bp.post("/auth/token")
def create_token():
    """Sign a device in: 201 with a token naming a new device row."""
    body = json_body(16 * 1024)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "Send a JSON object with username, password and device_name.")
    errors = {}
    for name, limit in SIGN_IN_FIELDS.items():
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            errors[name] = f"{name.replace('_', ' ').capitalize()} is required."
        elif len(value) > limit:
            errors[name] = f"At most {limit} characters."
        elif "\x00" in value:
            errors[name] = "May not contain the NUL character."
    new_password = body.get("new_password")
    if new_password is not None:
        if not isinstance(new_password, str) or not new_password:
            errors["new_password"] = "Enter a new password."
        elif len(new_password) > NEW_PASSWORD_MAX:
            errors["new_password"] = f"At most {NEW_PASSWORD_MAX} characters."
        elif "\x00" in new_password:
            errors["new_password"] = "May not contain the NUL character."
    if errors:
        raise ApiError(400, "invalid_request", "Some fields are missing or wrong.", errors)
    outcome = authenticate(body["username"], body["password"], request.remote_addr or "")
    if outcome.throttled:
        raise ApiError(429, "throttled", f"{throttle.wait_text()}.",
                       headers={"Retry-After": str(int(current_app.config["LOGIN_THROTTLE_WINDOW"].total_seconds()))})
    if outcome.user is None:
        raise ApiError(401, "invalid_credentials", "That username and password do not match an active account.")
    user = outcome.user
    if new_password is not None or user.must_change_password:
        user = _change_password(user, body["password"], new_password)
    device = Device(user_id=user.id, name=body["device_name"].strip(), last_seen_at=utcnow())
    db.session.add(device)
    db.session.flush()
    token, expires_at = make_device_token(device.id, user.id)
    audit.record(AuditAction.COLLECT, "device", device.id, "device signed in", actor_id=user.id)
    body = {
        "token": token,
        "device_id": device.id,
        "expires_at": expires_at.isoformat(),
        "user": {"username": user.username, "display_name": user.display_name, "role": user.role,
                 "team": user.team.name, "shoulder_number": user.shoulder_number},
    }
    db.session.commit()
    return jsonify(body), 201


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
    return "", 204


@bp.get("/me")
@token_required
def me():
    """The signed-in user and this device."""
    principal = g.principal
    return jsonify(user=principal.user_json(), device={"id": principal.device_id, "name": principal.device_name})
