"""When a web session ends (issue 13): at sign-out on the server, after an idle time, after a lifetime."""

from __future__ import annotations

import pytest

from fieldapp import ConfigError, create_app
from fieldapp.accounts.sessions import EXPIRED, SEEN_AT, SIGNED_IN_AT, now
from tests.fixtures.web import AuthActions


def copy_of(client, app):
    """Another client holding a copy of ``client``'s session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("fieldapp_session", client.get_cookie("fieldapp_session").value)
    return thief


def move_back(client, seconds: int, *keys: str) -> None:
    """Move the session's times ``seconds`` into the past, as if that long had passed."""
    with client.session_transaction() as session:
        for key in keys:
            session[key] = session[key] - seconds


def test_a_copied_cookie_dies_at_sign_out(app, client, auth, create_user):
    create_user("sgt", role="supervisor")
    auth.login("sgt")
    thief = copy_of(client, app)
    assert thief.get("/review").status_code == 200  # the copy works while the session lives
    auth.logout()
    response = thief.get("/review")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_sign_out_ends_the_other_sessions_too_and_signing_in_again_works(app, client, auth, create_user):
    create_user("sgt", role="supervisor")
    other = AuthActions(app.test_client())
    other.login("sgt")
    auth.login("sgt")
    auth.logout()
    assert other.client.get("/review").status_code == 302
    assert auth.login("sgt").status_code == 302 and client.get("/review").status_code == 200


@pytest.mark.parametrize("role", ["supervisor", "admin", "officer"])
def test_an_idle_session_expires_with_a_message(client, auth, create_user, role, app):
    create_user("someone", role=role)
    auth.login("someone")
    assert client.get("/review").status_code == 200
    idle = int(app.config["SESSION_IDLE"].total_seconds())
    move_back(client, idle - 60, SEEN_AT)  # just within the idle time: still signed in
    assert client.get("/review").status_code == 200
    move_back(client, idle + 1, SEEN_AT)
    response = client.get("/review")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert EXPIRED in page and "Please sign in to see that page." not in page
    assert client.get("/review").status_code == 302  # and it stays ended


def test_use_keeps_a_session_alive_but_not_past_its_lifetime(client, auth, create_user, app):
    create_user("sgt", role="supervisor")
    auth.login("sgt")
    idle = int(app.config["SESSION_IDLE"].total_seconds())
    lifetime = int(app.config["SESSION_MAX_AGE"].total_seconds())
    move_back(client, idle - 60, SEEN_AT, SIGNED_IN_AT)
    assert client.get("/review").status_code == 200
    with client.session_transaction() as session:
        assert now() - session[SEEN_AT] < 5  # the request counted as use
    move_back(client, lifetime, SIGNED_IN_AT)  # used a minute ago, signed in over 12 hours ago
    response = client.get("/review")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert EXPIRED in client.get("/login").get_data(as_text=True)


def test_the_limits_follow_the_settings(make_app, create_user):
    app = make_app()
    assert app.config["SESSION_IDLE"].total_seconds() == 30 * 60
    assert app.config["SESSION_MAX_AGE"].total_seconds() == 12 * 3600


def test_settings_are_read_and_checked(monkeypatch, tmp_path, database_url):
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path)}
    monkeypatch.setenv("FIELDAPP_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("FIELDAPP_SESSION_MAX_HOURS", "2")
    app = create_app(config)
    assert app.config["SESSION_IDLE"].total_seconds() == 300
    assert app.config["SESSION_MAX_AGE"].total_seconds() == 7200
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 7200
    for name, value in [("FIELDAPP_SESSION_IDLE_MINUTES", "0"), ("FIELDAPP_SESSION_IDLE_MINUTES", "soon"),
                        ("FIELDAPP_SESSION_MAX_HOURS", "1000")]:
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigError, match=name):
            create_app(config)
        monkeypatch.delenv(name)


def test_a_session_without_its_times_is_expired(client, auth, create_user):
    create_user("sgt", role="supervisor")
    auth.login("sgt")
    with client.session_transaction() as session:
        del session[SIGNED_IN_AT]
    assert client.get("/review").status_code == 302
