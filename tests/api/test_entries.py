"""Reading entries through the API: scope by role, 404 for the unseen, every read audited."""

import uuid

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent
from tests.factories import item, stop_search, visit


@pytest.fixture
def team(sign_in_device, officer):
    """pc1 (the officer), pc2 in the same team, a sergeant of the team, one of another team, an admin."""
    return {
        "pc1": officer,
        "pc2": sign_in_device("pc2"),
        "sergeant": sign_in_device("sergeant", role="supervisor"),
        "other_sergeant": sign_in_device("sarge2", role="supervisor", team="Cowley"),
        "admin": sign_in_device("admin1", role="admin", team="Headquarters"),
    }


@pytest.mark.parametrize(("reader", "status"), [("pc1", 200), ("pc2", 404), ("sergeant", 200),
                                                ("other_sergeant", 404), ("admin", 200)])
def test_who_can_read_an_entry(team, reader, status):
    entry = stop_search()
    team["pc1"].push(entry)
    response = team[reader].get(f"/api/entries/{entry['id']}")
    assert response.status_code == status
    if status == 404:
        assert response.get_json()["error"] == "not_found"
    else:
        body = response.get_json()
        assert body["data"] == entry["data"] and body["author"]["username"] == "pc1"
        assert body["versions"][0]["version"] == 1 and body["team"] == "Rose Hill"


def test_a_read_is_audited_as_consult(team):
    entry = stop_search()
    team["pc1"].push(entry)
    team["sergeant"].get(f"/api/entries/{entry['id']}")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consult",
                                                       AuditEvent.record_id == entry["id"]))
    assert event.record_type == "entry" and event.device_id == team["sergeant"].device_id


@pytest.mark.parametrize("entry_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_unknown_ids_are_404(officer, entry_id):
    assert officer.get(f"/api/entries/{entry_id}").status_code == 404


def test_contact_details_only_for_supervisors_and_each_showing_audited(team, postbox):
    the_visit = visit(postbox)
    card = item(the_visit["id"], anonymity="contact_requested", contact_details="07700 900123")
    team["pc1"].push(the_visit, card)
    assert "contact_details" not in team["pc1"].get(f"/api/entries/{card['id']}").get_json()["data"]
    assert team["sergeant"].get(f"/api/entries/{card['id']}").get_json()["data"]["contact_details"] == "07700 900123"
    shown = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "contact_details")).all()
    assert [(e.action, e.record_id, e.device_id) for e in shown] == [
        ("consult", card["id"], team["sergeant"].device_id)]


def test_listing_is_scoped_and_paged(team):
    mine = [stop_search() for _ in range(5)]
    team["pc1"].push(*mine)
    team["pc2"].push(stop_search())
    assert len(team["pc1"].get("/api/entries").get_json()["entries"]) == 5
    ids, cursor = [], None
    while True:
        body = team["sergeant"].get("/api/entries", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        ids += [e["id"] for e in body["entries"]]
        cursor = body["cursor"]
        if not body["more"]:
            break
    assert len(ids) == len(set(ids)) == 6
    assert team["other_sergeant"].get("/api/entries").get_json()["entries"] == []
    assert len(team["admin"].get("/api/entries", query_string={"author": "pc2"}).get_json()["entries"]) == 1


@pytest.mark.parametrize("query", [{"type": "cake"}, {"since": "yesterday"}, {"since": "2026-01-01T00:00:00"},
                                   {"since": "9999-12-31T23:00:00-05:00"}, {"since": "0001-01-01T00:00:00+05:00"},
                                   {"cursor": "%%%"}, {"cursor": "YWJj"}, {"limit": "-1"}])
def test_bad_list_queries_are_400(officer, query):
    assert officer.get("/api/entries", query_string=query).status_code == 400
