"""Postboxes: add, move (every placement kept), retire; what the phones see; each change audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import Placement, Postbox, Team
from tests.fixtures.rows import audit_count, last_events

SITE = {"site_name": "Iffley Library", "site_type": "community_centre", "address": "Church Way, Oxford OX4 4EY",
        "latitude": "51.7301", "longitude": "-1.2370"}


def placements_of(postbox_id: int) -> list[Placement]:
    """The box's placements, oldest first, fresh from the database."""
    db.session.expire_all()
    return list(db.session.scalars(select(Placement).where(Placement.postbox_id == postbox_id)
                                   .order_by(Placement.placed_from, Placement.id)))


def postbox_state() -> tuple:
    """Every box and placement, to prove a refused change changed nothing."""
    db.session.expire_all()
    return (audit_count(),
            tuple(db.session.execute(select(Postbox.id, Postbox.label, Postbox.active).order_by(Postbox.id)).all()),
            tuple(db.session.execute(select(Placement.id, Placement.site_name, Placement.placed_to)
                                     .order_by(Placement.id)).all()))


def test_the_list_shows_where_each_box_stands(client, admin, postbox):
    page = client.get("/admin/postboxes").get_data(as_text=True)
    assert "PB-01" in page and "Rose Hill Stores" in page and "Shop" in page and "1 Rose Hill" in page


def test_add_a_postbox(client, admin, post_form, postbox):
    team_id = db.session.scalar(select(Team.id).where(Team.name == "Rose Hill"))
    response = post_form("/admin/postboxes/new", {"label": "PB-05", "team_id": str(team_id), **SITE})
    assert response.status_code == 302
    box = db.session.scalar(select(Postbox).where(Postbox.label == "PB-05"))
    assert box.active and box.team_id == team_id
    [place] = placements_of(box.id)
    assert (place.site_name, place.site_type, place.address, place.latitude, place.longitude, place.placed_to) == (
        "Iffley Library", "community_centre", "Church Way, Oxford OX4 4EY", 51.7301, -1.237, None)
    event = last_events("postbox")[0]
    assert (event.action, event.record_id, event.actor_id) == ("collect", str(box.id), admin.id)


def test_add_a_postbox_without_coordinates(client, admin, post_form, postbox):
    team_id = db.session.scalar(select(Team.id))
    response = post_form("/admin/postboxes/new", {"label": "PB-06", "team_id": str(team_id), **SITE,
                                                  "latitude": "", "longitude": ""})
    assert response.status_code == 302
    box = db.session.scalar(select(Postbox).where(Postbox.label == "PB-06"))
    assert placements_of(box.id)[0].latitude is None


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"label": "PB-01"}, "label", "There is already a postbox labelled"),
    ({"label": ""}, "label", "Enter a label"),
    ({"longitude": ""}, "longitude", "Give both latitude and longitude, or neither."),
    ({"latitude": ""}, "latitude", "Give both latitude and longitude, or neither."),
    ({"latitude": "91"}, "latitude", "Latitude must be between -90 and 90."),
    ({"longitude": "-180.5"}, "longitude", "Longitude must be between -180 and 180."),
    ({"latitude": "north"}, "latitude", "Enter a decimal number"),
    ({"latitude": "nan"}, "latitude", "Enter a decimal number"),
    ({"site_type": "pub"}, "site_type", "Choose a site type from the list."),
    ({"site_name": " "}, "site_name", "Enter the site"),
    ({"team_id": "999"}, "team_id", "Choose a team from the list."),
    ({"team_id": "x"}, "team_id", "Choose a team from the list."),
])
def test_bad_new_postboxes_are_refused_on_the_form(client, admin, post_form, postbox, change, field, message):
    team_id = db.session.scalar(select(Team.id))
    before = postbox_state()
    response = post_form("/admin/postboxes/new", {"label": "PB-07", "team_id": str(team_id), **SITE, **change})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and f'id="{field}-error"' in page
    assert postbox_state() == before


def test_moving_keeps_every_placement_and_the_phones_see_the_new_site(client, admin, post_form, postbox, officer):
    response = post_form(f"/admin/postboxes/{postbox}/move", SITE)
    assert response.status_code == 302
    old, new = placements_of(postbox)
    assert old.site_name == "Rose Hill Stores" and old.placed_to is not None
    assert new.site_name == "Iffley Library" and new.placed_to is None and new.placed_from == old.placed_to
    event = last_events("postbox")[0]
    assert (event.action, event.record_id, event.actor_id) == ("alter", str(postbox), admin.id)
    [box] = officer.get("/api/reference").get_json()["postboxes"]
    assert (box["name"], box["site_type"], box["address"], box["latitude"], box["active"]) == (
        "PB-01 Iffley Library", "community_centre", "Church Way, Oxford OX4 4EY", 51.7301, True)
    # The page shows the history, newest first.
    page = client.get(f"/admin/postboxes/{postbox}").get_data(as_text=True)
    assert page.index("Iffley Library") < page.index("Rose Hill Stores")


def test_moving_twice_keeps_three_placements(client, admin, post_form, postbox):
    post_form(f"/admin/postboxes/{postbox}/move", SITE)
    post_form(f"/admin/postboxes/{postbox}/move", {**SITE, "site_name": "Rose Hill Primary School",
                                                   "site_type": "school"})
    places = placements_of(postbox)
    assert [p.site_name for p in places] == ["Rose Hill Stores", "Iffley Library", "Rose Hill Primary School"]
    assert [p.placed_to is None for p in places] == [False, False, True]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"longitude": ""}, "longitude", "Give both latitude and longitude, or neither."),
    ({"latitude": "-95"}, "latitude", "Latitude must be between -90 and 90."),
    ({"address": ""}, "address", "Enter the site"),
])
def test_a_bad_move_is_refused_on_the_form(client, admin, post_form, postbox, change, field, message):
    before = postbox_state()
    response = post_form(f"/admin/postboxes/{postbox}/move", {**SITE, **change})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and f'id="{field}-error"' in page
    assert postbox_state() == before


def test_retiring_ends_the_placement_and_the_phones_see_it_inactive(client, admin, post_form, postbox, officer):
    assert post_form(f"/admin/postboxes/{postbox}/retire").status_code == 302
    db.session.expire_all()
    assert db.session.get(Postbox, postbox).active is False
    [place] = placements_of(postbox)
    assert place.placed_to is not None
    event = last_events("postbox")[0]
    assert (event.action, event.detail) == ("alter", "postbox retired")
    assert officer.get("/api/reference").get_json()["postboxes"][0]["active"] is False
    # A retired box cannot be moved or retired again, and nothing changes.
    before = postbox_state()
    response = post_form(f"/admin/postboxes/{postbox}/move", SITE)
    assert response.status_code == 400 and "retired" in response.get_data(as_text=True)
    again = post_form(f"/admin/postboxes/{postbox}/retire")
    assert "already retired" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert postbox_state() == before
    assert db.session.scalar(select(func.count()).select_from(Placement)) == 1


def test_unknown_postboxes_are_404(client, admin, post_form):
    assert client.get("/admin/postboxes/999").status_code == 404
    assert post_form("/admin/postboxes/999/move", SITE).status_code == 404
    assert post_form("/admin/postboxes/999/retire").status_code == 404
