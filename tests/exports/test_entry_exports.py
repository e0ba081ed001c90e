"""Per-type exports: every column, the review queue's filters, no contact details, audited, roles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Entry, User
from tests.factories import GROUNDS, encounter, item, stop_search, visit
from tests.fixtures.web import read_csv

CONTACT = "07700 900123, flat 4 Oak Court"


def column(rows: list[list[str]], name: str) -> list[str]:
    """The values of one column (by header name)."""
    at = rows[0].index(name)
    return [row[at] for row in rows[1:]]


@pytest.fixture
def cards(officer, postbox):
    """A visit with two cards, one asking to be contacted; returns the entries."""
    the_visit = visit(postbox, visited_at="2025-06-10T18:00:00+00:00", notes="Box was full.")
    first = item(the_visit["id"], topics=["drugs", "begging"], anonymity="contact_requested",
                 contact_details=CONTACT, urgency="priority", safeguarding=True, summary="=HYPERLINK(\"x\")")
    second = item(the_visit["id"], topics=["parking"], location_text="Nowell Road")
    officer.push(the_visit, first, second)
    return the_visit, first, second


def test_encounter_export_has_every_column(officer, supervisor, client):
    entry = stop_search(occurred_at="2025-06-01T10:15:00+01:00", notes="Cooperative.")
    officer.push(entry, encounter("asb", occurred_at="2025-06-02T10:00:00+00:00"))
    response = client.get("/exports/encounter.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="encounters.csv"'
    rows = read_csv(response)
    header = rows[0]
    assert header[:6] == ["id", "version", "author", "occurred_at_utc", "received_at_utc", "review_state"]
    for name in ("kind", "latitude", "grounds", "notes", "bwv_used", "search_type", "asb_action", "referral_org"):
        assert name in header
    first = dict(zip(header, rows[1]))
    assert first["id"] == entry["id"]
    assert first["author"] == "pc1"
    assert first["occurred_at_utc"] == "2025-06-01T09:15:00+00:00"
    assert first["review_state"] == "unreviewed"
    assert first["grounds"] == GROUNDS
    assert first["latitude"] == "51.729"
    assert first["bwv_used"] == "True"
    assert first["vehicle_registration"] == ""
    assert column(rows, "kind") == ["stop_search", "asb"]


def test_encounter_filters(officer, sign_in_device, supervisor, client):
    pc2 = sign_in_device("pc2")
    officer.push(stop_search(occurred_at="2025-06-01T10:00:00+00:00"),
                 encounter("begging", occurred_at="2025-06-03T10:00:00+00:00"))
    pc2.push(stop_search(occurred_at="2025-06-04T10:00:00+00:00"))
    assert column(read_csv(client.get("/exports/encounter.csv?kind=stop_search")), "author") == ["pc1", "pc2"]
    assert column(read_csv(client.get("/exports/encounter.csv?officer=PC2")), "author") == ["pc2"]
    assert column(read_csv(client.get("/exports/encounter.csv?from=2025-06-02&to=2025-06-03")), "kind") == ["begging"]
    assert column(read_csv(client.get("/exports/encounter.csv?state=approved")), "kind") == []
    assert len(read_csv(client.get("/exports/encounter.csv?state=unreviewed"))) == 4


def test_item_export_never_has_contact_details(cards, supervisor, client):
    _, first, second = cards
    response = client.get("/exports/postbox_item.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    rows = read_csv(response)
    assert "contact_details" not in rows[0]
    assert "07700" not in text and "Oak Court" not in text
    assert column(rows, "topics") == ["begging;drugs", "parking"] or column(rows, "topics") == ["parking", "begging;drugs"]
    by_id = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert by_id[first["id"]]["anonymity"] == "contact_requested"
    assert by_id[first["id"]]["summary"] == "'=HYPERLINK(\"x\")"  # never run as a formula
    assert by_id[first["id"]]["visit_id"] == cards[0]["id"]
    assert by_id[second["id"]]["location_text"] == "Nowell Road"


def test_item_filters(cards, supervisor, client, postbox):
    _, first, second = cards
    ids = lambda query: column(read_csv(client.get(f"/exports/postbox_item.csv{query}")), "id")  # noqa: E731
    assert ids("?topic=begging") == [first["id"]]
    assert ids("?urgency=priority") == [first["id"]]
    assert ids("?safeguarding=yes") == [first["id"]]
    assert ids("?safeguarding=no") == [second["id"]]
    assert sorted(ids(f"?postbox={postbox}")) == sorted([first["id"], second["id"]])
    assert ids(f"?postbox={postbox + 1}") == []


def test_visit_export(cards, supervisor, client, postbox):
    rows = read_csv(client.get(f"/exports/postbox_visit.csv?postbox={postbox}"))
    row = dict(zip(rows[0], rows[1]))
    assert row["id"] == cards[0]["id"]
    assert row["postbox"] == "PB-01"
    assert row["site_name"] == "Rose Hill Stores"
    assert row["visited_at_utc"] == "2025-06-10T18:00:00+00:00"
    assert row["item_count"] == "3"
    assert row["notes"] == "Box was full."


@pytest.mark.parametrize("path, field", [
    ("/exports/encounter.csv?kind=shoplifting", "kind"),
    ("/exports/encounter.csv?state=lost", "state"),
    ("/exports/postbox_item.csv?topic=aliens", "topic"),
    ("/exports/postbox_item.csv?safeguarding=maybe", "safeguarding"),
    ("/exports/postbox_visit.csv?postbox=abc", "postbox"),
    ("/exports/postbox_visit.csv?from=2025-13-01", "from"),
])
def test_bad_filters_are_400_with_a_message(supervisor, client, path, field):
    response = client.get(path)
    assert response.status_code == 400
    assert "error" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "disclose")) is None


@pytest.mark.parametrize("path, record_type", [
    ("/exports/stop-search.csv?from=2025-01-01&to=2025-12-31", "export:stop-search"),
    ("/exports/encounter.csv?kind=stop_search", "export:encounter"),
    ("/exports/postbox_visit.csv", "export:postbox_visit"),
    ("/exports/postbox_item.csv?topic=drugs", "export:postbox_item"),
])
def test_every_export_is_a_disclosure_to_the_downloader(cards, supervisor, client, path, record_type):
    response = client.get(path, buffered=False)
    # Logged before a byte is read from the stream.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "disclose"))
    assert event is not None
    assert event.record_type == record_type
    assert event.actor_id == db.session.scalar(select(User.id).where(User.username == "sgt"))
    assert "to sgt" in event.detail
    response.get_data()
    response.close()


def test_item_export_of_another_team_is_not_included(cards, sign_in_device, client, create_user, auth):
    create_user("sgt2", role="supervisor", team="Headington")
    auth.login("sgt2")
    rows = read_csv(client.get("/exports/postbox_item.csv"))
    assert rows[1:] == []
    assert db.session.scalar(select(Entry.id).limit(1)) is not None


@pytest.mark.parametrize("path", ["/exports", "/exports/stop-search.csv?from=2025-01-01&to=2025-01-02",
                                  "/exports/encounter.csv", "/exports/postbox_visit.csv",
                                  "/exports/postbox_item.csv"])
def test_officers_are_refused_and_strangers_sent_to_sign_in(create_user, auth, client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    create_user("pc5", role="officer")
    auth.login("pc5")
    assert client.get(path).status_code == 403


def test_exports_page_lists_every_export_with_labelled_fields(supervisor, client, postbox):
    page = client.get("/exports").get_data(as_text=True)
    for action in ("/exports/stop-search.csv", "/exports/encounter.csv", "/exports/postbox_visit.csv",
                   "/exports/postbox_item.csv"):
        assert f'action="{action}"' in page
    assert "100 m" in page and "PB-01" in page
    import re

    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', page)
    assert ids
    for control in ids:
        assert f'<label for="{control}"' in page


def test_unknown_type_is_404(supervisor, client):
    assert client.get("/exports/users.csv").status_code == 404
