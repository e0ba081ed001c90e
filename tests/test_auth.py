"""Signing in and out of the web pages: forms, CSRF, sessions and throttling."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from fieldapp.accounts.routes import SIGN_IN_FAILED
from fieldapp.extensions import db
from fieldapp.models import LoginAttempt
from fieldapp.models.types import utcnow
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.web import AuthActions, csrf_token

FAILED = SIGN_IN_FAILED.encode()


def session_cookie(client):
    cookie = client.get_cookie("fieldapp_session")
    return cookie.value if cookie else None


def test_login_page_has_labelled_username_and_password(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page
    assert '<label for="username">' in page and '<label for="password">' in page
    assert 'name="csrf_token"' in page


def test_sign_in_and_out(client, auth, create_user):
    create_user("ps1", role="supervisor", display_name="PS One")
    response = auth.login("ps1")
    assert response.status_code == 302 and response.headers["Location"] == "/review"  # on their work
    assert "PS One" in client.get("/review").get_data(as_text=True)
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/").headers["Location"].startswith("/login")  # back to the sign-in page


def test_username_is_not_case_sensitive(auth, create_user):
    create_user("pc1")
    assert auth.login("PC1").status_code == 302


def test_officers_are_sent_to_their_app(client, auth, create_user):
    create_user("pc1")
    auth.login("pc1")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/app"


def test_home_page_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("username", ["pc1", "nobody"])
def test_wrong_password_and_unknown_user_get_the_same_message(auth, create_user, username):
    create_user("pc1")
    response = auth.login(username, "wrong password!")
    assert response.status_code == 200
    assert FAILED in response.data


def test_inactive_user_cannot_sign_in(auth, create_user):
    user = create_user("pc1")
    user.active = False
    db.session.commit()
    assert FAILED in auth.login("pc1").data


def test_deactivation_ends_existing_sessions(client, auth, create_user):
    user = create_user("pc1")
    auth.login("pc1")
    assert client.get("/").headers["Location"] == "/app"
    user.active = False
    db.session.commit()
    assert client.get("/").headers["Location"].startswith("/login")


def test_password_change_ends_existing_sessions(client, auth, create_user):
    user = create_user("pc1")
    auth.login("pc1")
    user.set_password("another long password")
    db.session.commit()
    assert client.get("/").headers["Location"].startswith("/login")


def test_passwords_are_hashed_with_scrypt(create_user):
    user = create_user("pc1")
    assert user.password_hash.startswith("scrypt:")
    assert TEST_PASSWORD not in user.password_hash


def test_sign_in_without_csrf_token_is_refused(client, create_user):
    create_user("pc1")
    response = client.post("/login", data={"username": "pc1", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert b"Form expired" in response.data
    assert client.get("/").status_code == 302


def test_sign_out_without_csrf_token_is_refused(client, auth, create_user):
    create_user("pc1")
    auth.login("pc1")
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 302 and client.get("/").headers["Location"] == "/app"  # still signed in


def test_sign_out_asks_the_browser_to_drop_its_cache(client, auth, create_user):
    create_user("pc1")
    auth.login("pc1")
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache"'  # not "storage": the officer app's outbox stays


def test_sign_out_by_get_is_not_allowed(client, auth, create_user):
    create_user("pc1")
    auth.login("pc1")
    assert client.get("/logout").status_code == 405


def test_session_changes_at_sign_in(client, auth, create_user):
    create_user("pc1")
    client.get("/login")
    before = session_cookie(client)
    assert before is not None
    auth.login("pc1")
    after = session_cookie(client)
    assert after != before
    with client.session_transaction() as session:
        first_sid = session["sid"]
    auth.logout()
    auth.login("pc1")
    with client.session_transaction() as session:
        assert session["sid"] != first_sid


def test_session_cookie_is_httponly_and_lax(client, auth, create_user):
    create_user("pc1")
    response = auth.login("pc1")
    header = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("fieldapp_session=")][-1]
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Secure" not in header


def test_session_cookie_is_secure_over_https(app, create_user):
    create_user("pc1")
    client = app.test_client()
    token = csrf_token(client, "https://localhost/login")
    response = client.post("https://localhost/login",
                           data={"username": "pc1", "password": TEST_PASSWORD, "csrf_token": token})
    header = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("fieldapp_session=")][-1]
    assert "Secure" in header


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_next_never_leaves_the_site(client, create_user, target):
    create_user("pc1")
    token = csrf_token(client)
    response = client.post(f"/login?next={target}",
                           data={"username": "pc1", "password": TEST_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/app"  # where an officer lands


def test_next_within_the_site_is_followed(client, create_user):
    create_user("pc1")
    token = csrf_token(client)
    response = client.post("/login?next=/healthz",
                           data={"username": "pc1", "password": TEST_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/healthz"


def test_empty_form_shows_messages_next_to_fields(client):
    token = csrf_token(client)
    page = client.post("/login", data={"username": "", "password": "", "csrf_token": token})
    assert page.status_code == 200
    assert b"Enter your username." in page.data and b"Enter your password." in page.data


def fail(auth, username, times):
    return [auth.login(username, "wrong password!").status_code for _ in range(times)]


def test_five_failures_for_a_username_throttle_it(auth, create_user):
    create_user("pc1")
    assert fail(auth, "pc1", 5) == [200] * 5
    response = auth.login("pc1")  # even the right password
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.data


def test_failures_from_one_address_over_its_cap_throttle_every_username(app, auth, create_user):
    create_user("pc1")
    for n in range(app.config["LOGIN_THROTTLE_ADDRESS_LIMIT"]):
        auth.login(f"nobody{n}", "wrong password!")
    assert auth.login("pc1").status_code == 429


def test_success_clears_the_count_of_its_username_and_address(auth, create_user):
    create_user("pc1")
    fail(auth, "pc1", 4)
    assert auth.login("pc1").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 0


def test_throttle_holds_across_two_app_instances(make_app, app, create_user):
    """Two app processes share one database: failures seen by one throttle the other (same address)."""
    create_user("pc1")
    other = make_app()
    first, second = AuthActions(app.test_client()), AuthActions(other.test_client())
    assert fail(first, "pc1", 3) == [200] * 3
    with other.app_context():
        assert fail(second, "pc1", 2) == [200] * 2
        assert second.login("pc1").status_code == 429
    assert first.login("pc1").status_code == 429


def test_a_throttled_address_does_not_lock_the_user_out_elsewhere(app, create_user):
    """An attacker guessing from one address cannot lock the real user out: they sign in from theirs."""
    create_user("pc1")
    attacker, owner = app.test_client(), app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    owner.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    attacker, owner = AuthActions(attacker), AuthActions(owner)
    assert fail(attacker, "pc1", 5) == [200] * 5
    assert attacker.login("pc1").status_code == 429  # even the right password, from there
    assert owner.login("pc1").status_code == 302
    assert attacker.login("pc1").status_code == 429  # the owner's success clears only their own address


def test_throttle_window_passes(auth, create_user, app):
    create_user("pc1")
    fail(auth, "pc1", 5)
    # Move the failures back beyond the window, as if 16 minutes had passed.
    db.session.execute(update(LoginAttempt).values(attempted_at=utcnow() - timedelta(minutes=16)))
    db.session.commit()
    assert auth.login("pc1").status_code == 302
