"""A phone signing in after an admin's password reset must choose a new password (POST /api/auth/token)."""

import pytest
from sqlalchemy import func, select

from fieldapp.accounts.operations import MIN_PASSWORD_LENGTH, reset_password
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Device, User
from tests.fixtures.app import TEST_PASSWORD

NEW = "a brand new password"


def _reset(create_user, username="pc1"):
    """Create ``username`` and reset their password as an admin would; the temporary password."""
    user = create_user(username)
    password, _ = reset_password(user)
    return password


def _user(username="pc1"):
    db.session.rollback()
    return db.session.scalar(select(User).where(User.username == username))


def _devices():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Device))


def _sign_in(client, password, **extra):
    return client.post("/api/auth/token", json={"username": "pc1", "password": password,
                                                "device_name": "Pixel 8", **extra})


def test_the_temporary_password_alone_is_403_and_makes_no_device(client, create_user):
    temporary = _reset(create_user)
    response = _sign_in(client, temporary)
    assert response.status_code == 403
    body = response.get_json()
    assert body["error"] == "password_change_required"
    assert body["message"] == "Your password was reset. Choose a new password to sign in."
    assert "token" not in body
    assert _devices() == 0
    assert _user().must_change_password


@pytest.mark.parametrize("new_password, message", [
    ("short", f"at least {MIN_PASSWORD_LENGTH} characters"),
    ("", "Enter a new password"),
    (12345678901, "Enter a new password"),  # not a string
    (["a list"], "Enter a new password"),
    ("x" * 1025, "At most 1024"),
    ("nul\x00in the middle", "NUL"),
])
def test_a_bad_new_password_is_400_on_the_field(client, create_user, new_password, message):
    temporary = _reset(create_user)
    response = _sign_in(client, temporary, new_password=new_password)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_request"
    assert set(body["errors"]) == {"new_password"} and message in body["errors"]["new_password"]
    assert _devices() == 0
    assert _user().must_change_password
    assert _sign_in(client, temporary).status_code == 403  # the temporary password still stands


def test_the_new_password_may_not_be_the_temporary_one(client, create_user):
    temporary = _reset(create_user)
    response = _sign_in(client, temporary, new_password=temporary)
    assert response.status_code == 400
    assert "different" in response.get_json()["errors"]["new_password"]
    assert _devices() == 0 and _user().must_change_password


def test_a_good_new_password_signs_in_and_replaces_the_temporary_one(client, create_user):
    temporary = _reset(create_user)
    response = _sign_in(client, temporary, new_password=NEW)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "device_id", "recovery_key", "expires_at", "user"}
    user = _user()
    assert not user.must_change_password
    device = db.session.get(Device, body["device_id"])
    assert device.user_id == user.id and device.revoked_at is None
    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["user"]["username"] == "pc1"
    # Audited as the web change is, by the user, with the phone's sign-in after it.
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == user.id)
                                .order_by(AuditEvent.id.desc()).limit(2)).all()
    assert [(e.record_type, e.detail) for e in events] == [
        ("device", "device signed in"), ("user", "password changed by its user")]
    # The temporary password no longer works; the new one does, with no change asked.
    assert _sign_in(client, temporary).status_code == 401
    again = _sign_in(client, NEW)
    assert again.status_code == 201
    assert _devices() == 2


def test_a_wrong_password_with_a_new_one_is_401_and_counts(client, create_user):
    _reset(create_user)
    for _ in range(5):
        response = _sign_in(client, "not the temporary one", new_password=NEW)
        assert response.status_code == 401 and response.get_json()["error"] == "invalid_credentials"
    assert _sign_in(client, "not the temporary one", new_password=NEW).status_code == 429
    assert _devices() == 0 and _user().must_change_password


def test_a_new_password_when_no_change_is_due_is_400(client, create_user):
    create_user("pc1")
    response = _sign_in(client, TEST_PASSWORD, new_password=NEW)
    assert response.status_code == 400
    body = response.get_json()
    assert body["errors"] == {"new_password": "No password change is due; change it from the account page."}
    assert _devices() == 0
    assert _sign_in(client, NEW).status_code == 401  # unchanged
    assert _sign_in(client, TEST_PASSWORD).status_code == 201


def test_a_null_new_password_is_as_if_absent(client, create_user):
    create_user("pc1")
    assert _sign_in(client, TEST_PASSWORD, new_password=None).status_code == 201


def test_the_web_change_page_is_not_asked_for_after_the_phone_changed_it(client, create_user, auth):
    temporary = _reset(create_user)
    assert _sign_in(client, temporary, new_password=NEW).status_code == 201
    response = auth.login("pc1", NEW)
    assert response.status_code == 302 and "/account/password" not in response.headers["Location"]
