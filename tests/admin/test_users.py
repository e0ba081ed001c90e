"""Users and devices: create, deactivate, reactivate, reset a password, revoke a phone; each audited."""

from __future__ import annotations


import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Device, Team, User
from tests.factories import stop_search
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.rows import audit_count, last_events, stored
from tests.fixtures.web import PASSWORD_SHOWN, AuthActions

NEW_USER = {"username": "PC.Ten", "display_name": "PC Ten Taylor", "shoulder_number": "1010", "role": "officer",
            "team": "Rose Hill"}


def user_named(username: str) -> User | None:
    """The user called ``username``, fresh from the database."""
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def test_the_list_shows_every_user_with_role_team_and_state(client, admin, create_user):
    create_user("pc1", display_name="PC Amira Shah", shoulder_number="4521")
    create_user("sgt", role="supervisor", team="Cowley", display_name="PS Jo Hughes")
    page = client.get("/admin/users").get_data(as_text=True)
    for text in ("pc1", "PC Amira Shah", "4521", "Officer", "Rose Hill", "sgt", "PS Jo Hughes", "Supervisor",
                 "Cowley", "admin1"):
        assert text in page


def test_the_list_pages_by_keyset(client, admin, create_user, monkeypatch):
    from fieldapp.accounts import admin_routes as users

    monkeypatch.setattr(users, "PAGE_SIZE", 2)
    for name in ("pc1", "pc2", "pc3"):
        create_user(name)
    first = client.get("/admin/users").get_data(as_text=True)
    assert "admin1" in first and "pc1" in first and "pc2" not in first
    next_link = first.split('href="/admin/users?after=')[1].split('"')[0]
    second = client.get(f"/admin/users?after={next_link}").get_data(as_text=True)
    assert "pc2" in second and "pc3" in second and ">pc1<" not in second
    assert client.get("/admin/users?after=not-a-cursor!").status_code == 400


def test_create_a_user_with_a_typed_password(client, admin, post_form):
    response = post_form("/admin/users/new", {**NEW_USER, "password": "a long enough password"})
    assert response.status_code == 302
    user = user_named("pc.ten")
    assert (user.display_name, user.shoulder_number, user.role, user.team.name, user.active) == (
        "PC Ten Taylor", "1010", "officer", "Rose Hill", True)
    assert user.check_password("a long enough password")
    event = last_events("user")[0]
    assert (event.action, event.record_id, event.actor_id) == ("collect", str(user.id), admin.id)
    assert "a long enough password" not in (event.detail or "")
    assert AuthActions(client.application.test_client()).login("pc.ten", "a long enough password").status_code == 302


def test_create_a_user_in_a_new_team_with_a_generated_password(client, admin, post_form):
    response = post_form("/admin/users/new", {**NEW_USER, "team": "", "new_team": "Blackbird Leys"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = PASSWORD_SHOWN.search(response.get_data(as_text=True)).group(1)
    user = user_named("pc.ten")
    assert user.team.name == "Blackbird Leys" and user.check_password(password)
    assert password not in user.password_hash
    assert [e.record_type for e in last_events("team")] == ["team"]
    # Shown once: the user's page does not show it again.
    assert password not in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert AuthActions(client.application.test_client()).login("pc.ten", password).status_code == 302


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"username": "admin1"}, "username", "There is already a user called"),
    ({"username": "ADMIN1"}, "username", "There is already a user called"),
    ({"username": "a b"}, "username", "A username is 2 to 64 characters"),
    ({"password": "short"}, "password", "at least 10 characters"),
    ({"username": ""}, "username", "Enter a username."),
    ({"team": ""}, "team", "Choose a team, or type a new team"),
    ({"new_team": "Cowley"}, "new_team", "not both"),
    ({"team": "No such team"}, "team", "Choose a team from the list."),
    ({"role": "chief"}, "role", "Choose a role from the list."),
])
def test_bad_new_users_are_refused_on_the_form(client, admin, post_form, change, field, message):
    before = (audit_count(), db.session.scalar(select(User.id).order_by(User.id.desc())),
              db.session.scalars(select(Team.name)).all())
    response = post_form("/admin/users/new", {**NEW_USER, "password": "a long enough password", **change})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert f'id="{field}-error"' in page  # next to the field
    assert (audit_count(), db.session.scalar(select(User.id).order_by(User.id.desc())),
            db.session.scalars(select(Team.name)).all()) == before


def test_the_user_page_lists_devices(client, admin, sign_in_device):
    sign_in_device("pc1", device_name="Pixel 7 of PC1")
    user = user_named("pc1")
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Pixel 7 of PC1" in page and "Revoke" in page
    assert client.get("/admin/users/99999").status_code == 404


def test_deactivation_ends_web_sessions_and_revokes_devices(client, admin, post_form, signed_in, sign_in_device):
    officer_web = signed_in("pc1")
    assert officer_web.client.get("/admin").status_code == 403  # signed in (an officer: refused, not redirected)
    phone = sign_in_device("pc1")
    assert phone.get("/api/me").status_code == 200
    user = user_named("pc1")

    response = post_form(f"/admin/users/{user.id}/deactivate")
    assert response.status_code == 302

    assert officer_web.client.get("/admin").status_code == 302  # signed out
    me = phone.get("/api/me")
    assert me.status_code == 401 and me.get_json()["error"] == "token_revoked"
    assert user_named("pc1").active is False
    assert db.session.get(Device, phone.device_id).revoked_at is not None
    assert officer_web.login("pc1").status_code == 200  # refused: inactive
    # (The user's own sign-ins and refusals are logged against them too: find the admin's change.)
    user_event = next(e for e in last_events("user", 10) if e.detail.startswith("user deactivated"))
    assert (user_event.action, user_event.record_id, user_event.actor_id) == ("alter", str(user.id), admin.id)
    device_event = last_events("device")[0]
    assert (device_event.action, device_event.record_id) == ("alter", str(phone.device_id))


def test_reactivation_lets_the_user_sign_in_but_devices_stay_revoked(client, admin, post_form, sign_in_device):
    phone = sign_in_device("pc1")
    user = user_named("pc1")
    post_form(f"/admin/users/{user.id}/deactivate")
    assert post_form(f"/admin/users/{user.id}/reactivate").status_code == 302
    assert user_named("pc1").active is True
    assert phone.get("/api/me").get_json()["error"] == "token_revoked"
    assert AuthActions(client.application.test_client()).login("pc1").status_code == 302
    assert "user reactivated" in [event.detail for event in last_events("user", 5)]


def test_an_admin_cannot_deactivate_themselves(client, admin, post_form):
    events = audit_count()
    response = post_form(f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 302
    assert "You cannot deactivate your own account." in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert user_named("admin1").active is True and audit_count() == events


def test_reset_password_shows_a_new_one_once(client, admin, post_form, signed_in):
    officer_web = signed_in("pc1")
    assert officer_web.client.get("/admin").status_code == 403  # signed in
    user = user_named("pc1")
    response = post_form(f"/admin/users/{user.id}/reset-password")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = PASSWORD_SHOWN.search(response.get_data(as_text=True)).group(1)
    assert len(password) >= 10
    # The old session has ended; the old password fails and the new one works.
    assert officer_web.client.get("/admin").status_code == 302
    fresh = AuthActions(client.application.test_client())
    assert fresh.login("pc1", TEST_PASSWORD).status_code == 200
    assert fresh.login("pc1", password).status_code == 302
    [event] = [e for e in last_events("user", 10) if e.detail.startswith("password reset")]
    assert (event.action, event.record_id, event.detail) == (
        "alter", str(user.id), "password reset by an admin; 0 device(s) revoked")
    # Never kept in clear, never flashed for a later page.
    assert password not in user_named("pc1").password_hash
    assert password not in client.get("/admin/users").get_data(as_text=True)


def test_revoking_a_device_fails_its_token_at_once(client, admin, post_form, sign_in_device):
    phone = sign_in_device("pc1")
    other_phone = sign_in_device("pc1", device_name="Second phone")
    response = post_form(f"/admin/devices/{phone.device_id}/revoke")
    assert response.status_code == 302
    me = phone.get("/api/me")
    assert me.status_code == 401 and me.get_json()["error"] == "token_revoked"
    assert other_phone.get("/api/me").status_code == 200
    event = last_events("device")[0]
    assert (event.action, event.record_id, event.actor_id) == ("alter", str(phone.device_id), admin.id)
    # Revoking twice changes nothing and says so.
    events = audit_count()
    again = post_form(f"/admin/devices/{phone.device_id}/revoke")
    assert "already revoked" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert audit_count() == events


def test_an_admin_changes_a_users_role_and_team(client, admin, post_form, create_user, sign_in_device):
    create_user("sgt", role="supervisor", team="Cowley")
    phone = sign_in_device("pc1")  # an officer of Rose Hill, with a phone
    before = stop_search()
    phone.push(before)
    user = user_named("pc1")
    form = client.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert '<option selected value="Rose Hill">' in form and '<option value="Cowley">' in form

    response = post_form(f"/admin/users/{user.id}/edit", {"display_name": "PS One", "shoulder_number": "77",
                                                        "role": "supervisor", "team": "Cowley"})

    assert response.status_code == 302
    changed = user_named("pc1")
    assert (changed.display_name, changed.shoulder_number, changed.role, changed.team.name) == (
        "PS One", "77", "supervisor", "Cowley")
    event = last_events("user")[0]
    assert (event.action, event.record_id, event.actor_id) == ("alter", str(user.id), admin.id)
    assert "role officer to supervisor" in event.detail and "team Rose Hill to Cowley" in event.detail
    # What was sent stays with the old team; the phone carries on and what it sends now is Cowley's.
    after = stop_search()
    assert phone.push(after)[0]["status"] == "created"
    rose_hill = db.session.scalar(select(Team.id).where(Team.name == "Rose Hill"))
    assert stored(before).team_id == rose_hill
    assert stored(after).team_id == changed.team_id


def test_an_admin_cannot_change_their_own_role(client, admin, post_form):
    events = audit_count()
    response = post_form(f"/admin/users/{admin.id}/edit", {"display_name": "Sam Admin", "role": "officer",
                                                         "team": "Rose Hill"})
    assert response.status_code == 400
    assert "You cannot change your own role" in response.get_data(as_text=True)
    assert user_named("admin1").role == "admin" and audit_count() == events


@pytest.mark.parametrize(("change", "message"), [
    ({"team": "Nowhere"}, "Choose a team from the list."),
    ({"role": "superuser"}, "Choose a role from the list."),
    ({"display_name": "  "}, "Enter the name to show."),
    ({"shoulder_number": "1" * 21}, "Field cannot be longer than 20 characters."),
])
def test_bad_changes_are_refused_on_the_form(client, admin, post_form, create_user, change, message):
    user = create_user("pc1")
    events = audit_count()
    response = post_form(f"/admin/users/{user.id}/edit", {"display_name": "PC One", "role": "officer",
                                                        "team": "Rose Hill", **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert user_named("pc1").display_name == user.display_name and audit_count() == events


def test_saving_without_changes_logs_nothing(client, admin, post_form, create_user):
    user = create_user("pc1", display_name="PC One")
    events = audit_count()
    response = post_form(f"/admin/users/{user.id}/edit", {"display_name": "PC One", "role": "officer",
                                                        "team": "Rose Hill"})
    assert response.status_code == 302
    assert "nothing to change" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert audit_count() == events
