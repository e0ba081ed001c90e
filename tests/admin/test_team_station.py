"""/admin/teams (#15): admins set the station each team works from; audited; the phones get it."""

from __future__ import annotations

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Team
from tests.fixtures.rows import count
from tests.fixtures.web import csrf_token


def team_id(name: str = "Rose Hill") -> int:
    return db.session.scalar(select(Team.id).where(Team.name == name))


def station(name: str = "Rose Hill") -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(Team.station).where(Team.name == name))


def set_station(client, value: str, name: str = "Rose Hill"):
    tid = team_id(name)
    return client.post(f"/admin/teams/{tid}/station",
                       data={f"t{tid}-csrf_token": csrf_token(client, "/admin/teams"), f"t{tid}-station": value})


def test_an_admin_sets_and_clears_a_station(client, admin):
    page = client.get("/admin/teams")
    assert page.status_code == 200 and "Rose Hill" in page.get_data(as_text=True)
    response = set_station(client, "  Cowley Road   Police Station ")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/teams")
    assert station() == "Cowley Road Police Station"
    assert 'value="Cowley Road Police Station"' in client.get("/admin/teams").get_data(as_text=True)
    details = list(db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "alter", AuditEvent.record_type == "team", AuditEvent.record_id == str(team_id()))))
    assert details == ["station set to Cowley Road Police Station"]
    # The same value again changes nothing and logs nothing.
    set_station(client, "Cowley Road Police Station")
    assert count(AuditEvent, AuditEvent.record_type == "team") == 1
    assert set_station(client, "").status_code == 302
    assert station() is None
    assert count(AuditEvent, AuditEvent.record_type == "team") == 2


def test_too_long_is_refused_on_the_form(client, admin):
    response = set_station(client, "x" * 201)
    assert response.status_code == 400
    assert "The station must be at most 200 characters." in response.get_data(as_text=True)
    assert station() is None


def test_an_unknown_team_is_404_and_the_token_is_checked(client, admin):
    assert client.post("/admin/teams/99999/station",
                       data={"csrf_token": csrf_token(client, "/admin/teams")}).status_code == 404
    tid = team_id()
    assert client.post(f"/admin/teams/{tid}/station", data={f"t{tid}-station": "X"}).status_code == 400
    assert station() is None


def test_only_admins(client, create_user, auth):
    create_user("sgt", role="supervisor", team="Rose Hill")
    auth.login("sgt")
    assert client.get("/admin/teams").status_code == 403
    assert client.post(f"/admin/teams/{team_id()}/station", data={}).status_code in (400, 403)
    assert station() is None


def test_the_phones_get_it(client, admin, sign_in_device):
    phone = sign_in_device("pc1")
    etag = phone.get("/api/reference").headers["ETag"]
    set_station(client, "St Aldates Police Station")
    response = phone.get("/api/reference", headers={"If-None-Match": etag})
    assert response.status_code == 200 and response.get_json()["station"] == "St Aldates Police Station"
