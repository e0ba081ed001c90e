"""Issue 14, the server's half: each device's recovery key, sent once at sign-in, released again only to
the same phone at a sign-in with the password (POST /api/auth/token with device_id) or to its own token
(GET /api/auth/recovery-key, for a phone from the previous release), never shown."""

from __future__ import annotations

import base64
import logging

import itsdangerous
import pytest
from sqlalchemy import select

from fieldapp.accounts.operations import reset_password
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Device, User
from fieldapp.models.types import utcnow
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.rows import count, last_events

NOT_MINE = "Not a phone of this account."
LOST_MESSAGE = "This phone was reported lost: it can no longer be used with this service."


def _sign_in(client, username="pc1", password=TEST_PASSWORD, **extra):
    return client.post("/api/auth/token", json={"username": username, "password": password,
                                                "device_name": "Pixel 8", **extra})


def _key(body) -> bytes:
    text = body["recovery_key"]
    assert isinstance(text, str) and len(text) == 43 and "=" not in text
    return base64.urlsafe_b64decode(text + "=")


def _device(device_id) -> Device:
    db.session.rollback()
    return db.session.get(Device, device_id)


def _stored_key(device_id) -> bytes | None:
    db.session.rollback()
    return db.session.scalar(select(Device.recovery_key).where(Device.id == device_id))


def test_each_sign_in_makes_a_device_with_its_own_recovery_key(client, create_user, caplog):
    create_user("pc1")
    with caplog.at_level(logging.DEBUG):
        first, second = _sign_in(client), _sign_in(client)
    assert first.status_code == second.status_code == 201
    one, two = first.get_json(), second.get_json()
    assert one["device_id"] != two["device_id"]
    assert len(_key(one)) == len(_key(two)) == 32 and _key(one) != _key(two)
    assert _stored_key(one["device_id"]) == _key(one) and _stored_key(two["device_id"]) == _key(two)
    for body in (one, two):
        assert body["recovery_key"] not in caplog.text and _key(body).hex() not in caplog.text
    # The sign-in's token works, as before.
    me = client.get("/api/me", headers={"Authorization": f"Bearer {one['token']}"})
    assert me.status_code == 200 and me.get_json()["device"]["id"] == one["device_id"]


def test_signing_in_again_with_device_id_reuses_the_row_and_releases_the_same_key(client, create_user):
    create_user("pc1")
    first = _sign_in(client).get_json()
    device_id, key = first["device_id"], _key(first)
    # The officer signs out (or an admin revokes the phone): the phone keeps its wrapped data.
    assert client.delete("/api/auth/token", headers={"Authorization": f"Bearer {first['token']}"}).status_code == 204
    devices = count(Device)
    response = client.post("/api/auth/token", json={"username": "pc1", "password": TEST_PASSWORD,
                                                    "device_name": "Pixel 8 (renamed)", "device_id": device_id})
    assert response.status_code == 201, response.get_json()
    again = response.get_json()
    assert again["device_id"] == device_id and _key(again) == key
    assert count(Device) == devices
    device = _device(device_id)
    assert device.revoked_at is None and device.name == "Pixel 8 (renamed)" and device.lost_at is None
    assert (utcnow() - device.last_seen_at).total_seconds() < 60
    event = last_events("device")[0]
    assert (event.action, event.record_id, event.detail) == (
        "alter", str(device_id), "device signed in again; recovery key released")
    assert event.actor_id == db.session.scalar(select(User.id).where(User.username == "pc1"))
    # The new token works; the one revoked before stays revoked.
    assert client.get("/api/me", headers={"Authorization": f"Bearer {again['token']}"}).status_code == 200
    old = client.get("/api/me", headers={"Authorization": f"Bearer {first['token']}"})
    assert old.status_code == 401 and old.get_json()["error"] == "token_revoked"


def test_a_device_from_before_recovery_keys_gets_one_when_it_signs_in_again(client, create_user):
    create_user("pc1")
    device_id = _sign_in(client).get_json()["device_id"]
    device = _device(device_id)
    device.recovery_key = None
    device.signed_in_at = None
    db.session.commit()
    body = _sign_in(client, device_id=device_id).get_json()
    assert len(_key(body)) == 32 and _stored_key(device_id) == _key(body)
    assert last_events("device")[0].detail == "device signed in again; recovery key created"


@pytest.mark.parametrize("whose", ["someone else's", "unknown"])
def test_a_device_id_that_is_not_the_users_is_400_with_one_message(client, create_user, whose):
    create_user("pc1")
    create_user("pc2")
    theirs = _sign_in(client, "pc2").get_json()
    device_id = theirs["device_id"] if whose == "someone else's" else theirs["device_id"] + 1000
    devices = count(Device)
    response = _sign_in(client, device_id=device_id)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_request" and body["errors"] == {"device_id": NOT_MINE}
    assert "recovery_key" not in body and "token" not in body
    assert count(Device) == devices
    assert _stored_key(theirs["device_id"]) == _key(theirs)


def test_a_lost_device_cannot_sign_in_again(client, create_user):
    create_user("pc1")
    device_id = _sign_in(client).get_json()["device_id"]
    device = _device(device_id)
    device.lost_at = device.revoked_at = utcnow()
    device.recovery_key = None
    db.session.commit()
    response = _sign_in(client, device_id=device_id)
    assert response.status_code == 403
    body = response.get_json()
    assert body == {"error": "device_lost", "message": "This phone was reported lost: it can no longer be used with this service."}
    assert _device(device_id).revoked_at is not None and _stored_key(device_id) is None


def test_a_wrong_password_with_a_device_id_is_401_and_releases_nothing(client, create_user):
    create_user("pc1")
    device_id = _sign_in(client).get_json()["device_id"]
    response = _sign_in(client, password="not the password", device_id=device_id)
    assert response.status_code == 401 and "recovery_key" not in response.get_json()


def test_the_forced_password_change_works_with_device_id(client, create_user):
    user = create_user("pc1")
    first = _sign_in(client).get_json()
    temporary, revoked = reset_password(user)
    assert revoked == 1
    response = _sign_in(client, password=temporary, device_id=first["device_id"])
    assert response.status_code == 403 and response.get_json()["error"] == "password_change_required"
    response = _sign_in(client, password=temporary, device_id=first["device_id"],
                        new_password="a brand new password")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["device_id"] == first["device_id"] and _key(body) == _key(first)
    assert _device(first["device_id"]).revoked_at is None
    db.session.rollback()
    assert not db.session.scalar(select(User).where(User.username == "pc1")).must_change_password
    # Someone else's device refuses before the password is changed.
    other = create_user("pc2")
    temporary, _ = reset_password(other)
    response = _sign_in(client, "pc2", password=temporary, device_id=first["device_id"],
                        new_password="another new password")
    assert response.status_code == 400 and response.get_json()["errors"] == {"device_id": NOT_MINE}
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.username == "pc2")).must_change_password


@pytest.mark.parametrize("value", [
    "1", "", "abc", 1.5, -1, 0, 2**31, 2**63, 10**40, -(10**40), True, False, [], {}, [1], {"id": 1},
    float("1e308"),
])
def test_odd_device_ids_are_400_never_500(client, create_user, value):
    create_user("pc1")
    _sign_in(client)
    devices = count(Device)
    response = _sign_in(client, device_id=value)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert set(response.get_json()["errors"]) == {"device_id"}
    assert count(Device) == devices


def test_a_whole_number_written_with_a_point_is_that_number(client, create_user):
    """JSON Schema's integer (the document's type for device_id) includes 7.0."""
    create_user("pc1")
    first = _sign_in(client).get_json()
    again = _sign_in(client, device_id=float(first["device_id"])).get_json()
    assert again["device_id"] == first["device_id"] and _key(again) == _key(first)


def test_a_null_device_id_is_a_new_device(client, create_user):
    create_user("pc1")
    first = _sign_in(client).get_json()
    second = _sign_in(client, device_id=None).get_json()
    assert second["device_id"] != first["device_id"] and _key(second) != _key(first)


def test_the_key_is_never_in_the_audit_log_nor_on_any_admin_page(client, admin, create_user):
    create_user("pc1")
    first = _sign_in(client).get_json()
    again = _sign_in(client, device_id=first["device_id"]).get_json()
    text, key = first["recovery_key"], _key(first)
    db.session.rollback()
    for event in db.session.scalars(select(AuditEvent)):
        row = " ".join(str(value) for value in (event.record_id, event.detail, event.chain_hash))
        assert text not in row and key.hex() not in row
    user_id = db.session.scalar(select(User.id).where(User.username == "pc1"))
    for path in ("/admin/users", f"/admin/users/{user_id}", f"/admin/devices/{first['device_id']}/lost",
                 "/audit", "/audit/export.csv"):
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.get_data(as_text=True)
        assert text not in html and again["recovery_key"] not in html and key.hex() not in html, path


# --- GET /api/auth/recovery-key: a phone from the previous release fetches its key with its token ----

RECOVERY_KEY = "/api/auth/recovery-key"
RELEASED = "device asked for its recovery key; recovery key released"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_token_fetches_the_same_key_the_sign_in_returned(client, create_user, caplog):
    create_user("pc1")
    first = _sign_in(client).get_json()
    devices, events = count(Device), count(AuditEvent)
    with caplog.at_level(logging.DEBUG):
        response = client.get(RECOVERY_KEY, headers=_bearer(first["token"]))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"recovery_key": first["recovery_key"]}
    assert len(_key(response.get_json())) == 32 and _key(response.get_json()) == _stored_key(first["device_id"])
    assert response.headers["Cache-Control"] == "no-store"
    assert first["recovery_key"] not in caplog.text and _key(first).hex() not in caplog.text
    # Audited as released, to this device, by its user, and without the key.
    assert count(AuditEvent) == events + 1
    event = last_events("device")[0]
    assert (event.action, event.record_id, event.detail) == ("alter", str(first["device_id"]), RELEASED)
    assert event.device_id == first["device_id"]
    assert event.actor_id == db.session.scalar(select(User.id).where(User.username == "pc1"))
    row = " ".join(str(value) for value in (event.record_id, event.detail, event.chain_hash, event.remote_addr))
    assert first["recovery_key"] not in row and _key(first).hex() not in row
    # Nothing else changes: no new device, the row keeps its key, the token still works.
    assert count(Device) == devices
    device = _device(first["device_id"])
    assert device.revoked_at is None and device.lost_at is None
    assert _stored_key(first["device_id"]) == _key(first)
    assert client.get("/api/me", headers=_bearer(first["token"])).status_code == 200
    again = client.get(RECOVERY_KEY, headers=_bearer(first["token"]))
    assert again.status_code == 200 and again.get_json() == {"recovery_key": first["recovery_key"]}


def test_each_device_gets_its_own_key_never_anothers(client, create_user):
    create_user("pc1")
    create_user("pc2")
    mine, my_other_phone = _sign_in(client).get_json(), _sign_in(client).get_json()
    theirs = _sign_in(client, "pc2").get_json()
    for body in (mine, my_other_phone, theirs):
        response = client.get(RECOVERY_KEY, headers=_bearer(body["token"]))
        assert response.status_code == 200 and response.get_json() == {"recovery_key": body["recovery_key"]}
    assert len({mine["recovery_key"], my_other_phone["recovery_key"], theirs["recovery_key"]}) == 3
    # The route takes no device id: a query string naming another device changes nothing.
    response = client.get(RECOVERY_KEY, query_string={"device_id": mine["device_id"]}, headers=_bearer(theirs["token"]))
    assert response.get_json() == {"recovery_key": theirs["recovery_key"]}


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic cGMxOnB3"])
def test_no_or_a_bad_token_is_401_and_releases_nothing(client, create_user, header):
    create_user("pc1")
    _sign_in(client)
    events = count(AuditEvent)
    response = client.get(RECOVERY_KEY, headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"] in ("token_missing", "token_invalid") and "recovery_key" not in body
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="fieldapp"'
    assert count(AuditEvent) == events


def test_a_revoked_or_replaced_token_is_401_token_revoked(client, create_user):
    create_user("pc1")
    first = _sign_in(client).get_json()
    # Signed in again with device_id: the earlier token of the same row stops counting.
    again = _sign_in(client, device_id=first["device_id"]).get_json()
    old = client.get(RECOVERY_KEY, headers=_bearer(first["token"]))
    assert old.status_code == 401 and old.get_json()["error"] == "token_revoked"
    assert client.delete("/api/auth/token", headers=_bearer(again["token"])).status_code == 204
    events = count(AuditEvent)
    response = client.get(RECOVERY_KEY, headers=_bearer(again["token"]))
    assert response.status_code == 401 and response.get_json()["error"] == "token_revoked"
    assert "recovery_key" not in response.get_json() and count(AuditEvent) == events


def test_an_expired_token_is_401_token_expired(client, create_user, monkeypatch):
    create_user("pc1")
    token = _sign_in(client).get_json()["token"]
    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 31 * 24 * 3600)
    response = client.get(RECOVERY_KEY, headers=_bearer(token))
    assert response.status_code == 401 and response.get_json()["error"] == "token_expired"


def test_an_admins_password_reset_revokes_the_token_as_for_every_call(client, create_user):
    """The forced password change: the reset revokes every phone of the user (token_revoked), as on /api/me."""
    user = create_user("pc1")
    body = _sign_in(client).get_json()
    reset_password(user)
    for path in ("/api/me", RECOVERY_KEY):
        response = client.get(path, headers=_bearer(body["token"]))
        assert response.status_code == 401 and response.get_json()["error"] == "token_revoked", path


def test_a_lost_device_is_401_device_lost(client, create_user):
    create_user("pc1")
    body = _sign_in(client).get_json()
    device = _device(body["device_id"])
    device.lost_at = device.revoked_at = utcnow()
    device.recovery_key = None
    db.session.commit()
    events = count(AuditEvent)
    response = client.get(RECOVERY_KEY, headers=_bearer(body["token"]))
    assert response.status_code == 401
    assert response.get_json() == {"error": "device_lost", "message": LOST_MESSAGE}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="fieldapp"'
    assert count(AuditEvent) == events


def test_a_lost_device_marked_through_the_admin_page_is_401_device_lost(client, admin, post_form, sign_in_device):
    phone = sign_in_device("pc1")
    assert phone.get(RECOVERY_KEY).status_code == 200
    assert post_form(f"/admin/devices/{phone.device_id}/lost", {"confirm": "y"}).status_code == 302
    response = phone.get(RECOVERY_KEY)
    assert response.status_code == 401 and response.get_json() == {"error": "device_lost", "message": LOST_MESSAGE}
    assert _stored_key(phone.device_id) is None


def test_a_device_without_a_key_is_404_in_the_error_shape(client, create_user):
    create_user("pc1")
    body = _sign_in(client).get_json()
    device = _device(body["device_id"])
    device.recovery_key = None  # signed in before recovery keys existed
    db.session.commit()
    events = count(AuditEvent)
    response = client.get(RECOVERY_KEY, headers=_bearer(body["token"]))
    assert response.status_code == 404
    answer = response.get_json()
    assert set(answer) == {"error", "message"} and answer["error"] == "no_recovery_key"
    assert "device_id" in answer["message"] and response.headers["Cache-Control"] == "no-store"
    assert count(AuditEvent) == events and _stored_key(body["device_id"]) is None
    # Signing in again with device_id creates the key; then the token's fetch gives it.
    again = _sign_in(client, device_id=body["device_id"]).get_json()
    fetched = client.get(RECOVERY_KEY, headers=_bearer(again["token"]))
    assert fetched.status_code == 200 and fetched.get_json()["recovery_key"] == again["recovery_key"]
