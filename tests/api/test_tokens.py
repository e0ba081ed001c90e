"""Device sign-in: tokens that name a device row, expire, and can be revoked at once."""

import itsdangerous.timed
import pytest

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Device, User
from fieldapp.models.types import utcnow
from tests.fixtures.app import TEST_PASSWORD


def test_token_response_shape(client, create_user):
    create_user("pc1", display_name="PC One", shoulder_number="4521")
    response = client.post("/api/auth/token", json={"username": "pc1", "password": TEST_PASSWORD,
                                                    "device_name": "Pixel 8"})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "device_id", "recovery_key", "expires_at", "user"}
    assert body["user"] == {"username": "pc1", "display_name": "PC One", "role": "officer",
                            "team": "Rose Hill", "shoulder_number": "4521"}
    device = db.session.get(Device, body["device_id"])
    assert device.name == "Pixel 8" and device.revoked_at is None
    assert 29 <= (__import__("datetime").datetime.fromisoformat(body["expires_at"]) - utcnow()).days <= 30


@pytest.mark.parametrize("username", ["pc1", "nobody"])
def test_bad_credentials_are_401(client, create_user, username):
    create_user("pc1")
    response = client.post("/api/auth/token", json={"username": username, "password": "wrong password",
                                                    "device_name": "phone"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_credentials"


def test_missing_fields_are_400_with_field_errors(client):
    response = client.post("/api/auth/token", json={"username": "pc1"})
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {"password", "device_name"}


def test_not_json_is_415(client):
    response = client.post("/api/auth/token", data="username=pc1")
    assert response.status_code == 415


def test_the_api_and_web_share_one_throttle(client, auth, create_user):
    create_user("pc1")
    for _ in range(5):
        auth.login("pc1", "wrong password!")
    response = client.post("/api/auth/token", json={"username": "pc1", "password": TEST_PASSWORD,
                                                    "device_name": "phone"})
    assert response.status_code == 429 and response.get_json()["error"] == "throttled"


def test_me(officer):
    body = officer.get("/api/me").get_json()
    assert body["user"]["username"] == "pc1" and body["device"]["id"] == officer.device_id


def test_cookies_do_not_authenticate_the_api(client, auth, create_user):
    create_user("pc1")
    auth.login("pc1")
    response = client.get("/api/me")
    assert response.status_code == 401 and response.get_json()["error"] == "token_missing"


def test_signing_out_revokes_the_token_at_once(officer):
    response = officer.delete("/api/auth/token")
    assert response.status_code == 204
    assert response.headers["Clear-Site-Data"] == '"cache"'  # not "storage": the app erases its own store
    response = officer.get("/api/me")
    assert response.status_code == 401 and response.get_json()["error"] == "token_revoked"
    assert db.session.get(Device, officer.device_id).revoked_at is not None


def test_an_admin_revoking_the_device_stops_the_token(officer):
    db.session.get(Device, officer.device_id).revoked_at = utcnow()
    db.session.commit()
    assert officer.get("/api/me").get_json()["error"] == "token_revoked"


def test_a_deactivated_user_loses_api_access(officer):
    db.session.scalar(db.select(User).where(User.username == "pc1")).active = False
    db.session.commit()
    assert officer.get("/api/me").status_code == 401


def test_an_expired_token_is_401_token_expired(officer, monkeypatch):
    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 31 * 24 * 3600)
    response = officer.get("/api/me")
    assert response.status_code == 401 and response.get_json()["error"] == "token_expired"


def test_the_token_lifetime_is_configurable(make_app, app, officer, monkeypatch):
    from datetime import timedelta

    app.config["TOKEN_MAX_AGE"] = timedelta(days=1)
    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 2 * 24 * 3600)
    assert officer.get("/api/me").get_json()["error"] == "token_expired"


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a.b.c"])
def test_bad_tokens(client, header):
    response = client.get("/api/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"] in {"token_invalid", "token_missing"}
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_a_tampered_token_is_invalid(officer):
    officer.token = officer.token[:-2] + ("AA" if not officer.token.endswith("AA") else "BB")
    assert officer.get("/api/me").get_json()["error"] == "token_invalid"


def test_device_sign_in_is_audited(officer):
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.record_type == "device"))
    assert event.action == "collect" and event.record_id == str(officer.device_id)


@pytest.mark.parametrize("field", ["username", "password", "device_name"])
def test_nul_characters_are_400(client, create_user, field):
    create_user("pc1")
    body = {"username": "pc1", "password": TEST_PASSWORD, "device_name": "phone"}
    body[field] += "\x00"
    response = client.post("/api/auth/token", json=body)
    assert response.status_code == 400 and field in response.get_json()["errors"]


def test_nul_in_a_query_is_400(officer):
    response = officer.get("/api/entries", query_string={"author": "\x00h"})
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_nul_in_a_form_is_400(client):
    from tests.fixtures.web import csrf_token

    token = csrf_token(client)
    response = client.post("/login", data={"username": "a\x00", "password": "x", "csrf_token": token})
    assert response.status_code == 400
