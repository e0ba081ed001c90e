"""Changing one's own password, and what an admin's reset does (issue 13)."""

from __future__ import annotations

from fieldapp.accounts.routes import MUST_CHANGE, PASSWORD_CHANGED
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Device, User
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.rows import last_events
from tests.fixtures.web import PASSWORD_SHOWN, AuthActions, csrf_token

NEW = "a brand new passphrase"


def user_named(username: str) -> User | None:
    """The user called ``username``, fresh from the database."""
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def change(client, current: str, new: str, again: str | None = None):
    token = csrf_token(client, "/account/password")
    return client.post("/account/password", data={"current_password": current, "new_password": new,
                                                  "new_password_again": new if again is None else again,
                                                  "csrf_token": token})


def test_a_user_changes_their_own_password(app, client, auth, create_user):
    create_user("sgt", role="supervisor")
    auth.login("sgt")
    other = AuthActions(app.test_client())
    other.login("sgt")
    page = client.get("/account/password").get_data(as_text=True)
    assert "Change your password" in page and 'autocomplete="new-password"' in page
    response = change(client, TEST_PASSWORD, NEW)
    assert response.status_code == 302 and response.headers["Location"] == "/review"
    assert PASSWORD_CHANGED in client.get("/review").get_data(as_text=True)  # this session carries on
    assert other.client.get("/review").status_code == 302  # every other one has ended
    fresh = AuthActions(app.test_client())
    assert fresh.login("sgt", TEST_PASSWORD).status_code == 200
    assert fresh.login("sgt", NEW).status_code == 302
    assert "password changed by its user" in [event.detail for event in last_events("user", 5)]


def test_the_change_follows_the_rules(client, auth, create_user):
    create_user("sgt", role="supervisor")
    auth.login("sgt")
    cases = [
        (("wrong password!", NEW), "That is not your current password."),
        ((TEST_PASSWORD, "short"), "at least 10 characters"),
        ((TEST_PASSWORD, NEW, NEW + "x"), "The two new passwords are not the same."),
        ((TEST_PASSWORD, TEST_PASSWORD), "different from the one you have now"),
    ]
    for args, message in cases:
        response = change(client, *args)
        assert response.status_code == 400 and message in response.get_data(as_text=True), message
    assert user_named("sgt").check_password(TEST_PASSWORD)


def test_a_reset_forces_a_change_at_the_next_sign_in(app, client, admin, post_form, create_user):
    create_user("sgt", role="supervisor")
    user = user_named("sgt")
    password = PASSWORD_SHOWN.search(post_form(f"/admin/users/{user.id}/reset-password").get_data(as_text=True)).group(1)
    sergeant = AuthActions(app.test_client())
    response = sergeant.login("sgt", password)
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"
    assert MUST_CHANGE in sergeant.client.get("/account/password").get_data(as_text=True)
    for path in ("/", "/review", "/reports", "/review?state=unreviewed"):
        response = sergeant.client.get(path)  # nothing else until it is changed
        assert response.status_code == 302 and response.headers["Location"] == "/account/password", path
    assert change(sergeant.client, password, NEW).status_code == 302
    assert sergeant.client.get("/review").status_code == 200
    fresh = AuthActions(app.test_client())
    assert fresh.login("sgt", password).status_code == 200  # the password the admin saw no longer works
    assert user_named("sgt").must_change_password is False


def test_a_reset_signs_out_the_users_phones(client, admin, post_form, sign_in_device):
    phone = sign_in_device("pc1")
    second = sign_in_device("pc1", device_name="Second phone")
    assert phone.get("/api/me").status_code == 200
    user = user_named("pc1")
    page = post_form(f"/admin/users/{user.id}/reset-password").get_data(as_text=True)
    assert "phones are signed out (2 devices)" in page
    for device in (phone, second):
        me = device.get("/api/me")
        assert me.status_code == 401 and me.get_json()["error"] == "token_revoked"  # the app asks to sign in again
        assert db.session.get(Device, device.device_id).revoked_at is not None
    assert {event.detail for event in last_events("device", 2)} == {"device revoked: password of pc1 reset"}


def test_the_change_page_needs_a_signed_in_user(client):
    response = client.get("/account/password")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
