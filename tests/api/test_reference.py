"""GET /api/reference: postboxes and every list, with an ETag the phones revalidate."""

from fieldapp.extensions import db
from fieldapp.models import Placement
from fieldapp.models.types import utcnow
from fieldapp.reference import reference_lists


def test_reference_document(officer, postbox):
    response = officer.get("/api/reference")
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == reference_lists().version
    assert set(body["lists"]) == set(reference_lists().lists)
    assert {"value": "Controlled drugs", "label": "Controlled drugs"} in body["lists"]["objects_of_search"]
    assert len(body["lists"]["self_defined_ethnicities"]) == 19
    assert body["postboxes"] == [{"id": postbox, "name": "PB-01 Rose Hill Stores", "site_type": "shop",
                                  "address": "1 Rose Hill", "latitude": 51.729, "longitude": -1.2343,
                                  "active": True}]
    assert response.headers["ETag"]


def test_a_phone_gets_its_own_teams_postboxes_only(officer, postbox):
    """A visit may name only a postbox of the officer's team (issue 13): the phone offers no other."""
    from fieldapp.models import Postbox, Team

    other = Team(name="Cowley")
    db.session.add(other)
    db.session.flush()
    db.session.add(Postbox(label="PB-99", team_id=other.id))
    db.session.commit()
    assert [box["id"] for box in officer.get("/api/reference").get_json()["postboxes"]] == [postbox]


def test_if_none_match_gives_304_until_something_changes(officer, postbox):
    etag = officer.get("/api/reference").headers["ETag"]
    again = officer.get("/api/reference", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    # The box moves: the document changes, and so does its ETag.
    place = db.session.scalar(db.select(Placement))
    place.placed_to = utcnow()
    db.session.add(Placement(postbox_id=postbox, site_name="Iffley Road Pharmacy", site_type="shop",
                             address="220 Iffley Road", latitude=51.74, longitude=-1.23))
    db.session.commit()
    moved = officer.get("/api/reference", headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["ETag"] != etag
    assert moved.get_json()["postboxes"][0]["name"] == "PB-01 Iffley Road Pharmacy"


def test_reference_needs_a_token(client):
    assert client.get("/api/reference").status_code == 401
