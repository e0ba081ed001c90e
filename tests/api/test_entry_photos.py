"""Photos listed in an entry's data (issue 11): the `photos` field, a postbox card recorded by its photo
alone, and how such entries read everywhere: the API, the review page, the queue, exports and reports."""

from __future__ import annotations

import hashlib
import re
import uuid
from html import unescape

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import EntryVersion, PostboxItem
from tests.factories import edit, encounter, item, visit
from tests.fixtures.rows import audit_events
from tests.fixtures.web import read_csv
from tests.images import png

PNG = png(extra=b"\x01")  # a real PNG: the server checks the structure
SUMMARY_MESSAGE = "Write what the card says, or take a photo of it."


def ids(number: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(number)]


def upload(phone, entry_id: str, photo_id: str, data: bytes = PNG):
    response = phone.put(f"/api/entries/{entry_id}/photos/{photo_id}", data=data, headers={
        "Content-Type": "image/png", "X-Content-SHA256": hashlib.sha256(data).hexdigest()})
    assert response.status_code == 201, response.get_json()


@pytest.fixture
def card_visit(officer, postbox) -> dict:
    """A pushed visit to the postbox."""
    the_visit = visit(postbox, visited_at="2025-06-10T18:00:00+00:00")
    assert officer.push(the_visit)[0]["status"] == "created"
    return the_visit


@pytest.fixture
def photo_card(officer, card_visit) -> tuple[dict, list[str]]:
    """A card recorded by its photo alone (no summary), two photos listed; returns it and the ids."""
    photos = ids(2)
    card = item(card_visit["id"], summary=None, photos=photos)
    assert officer.push(card)[0]["status"] == "created"
    return card, photos


# --- the API -----------------------------------------------------------------

def test_a_card_with_photos_needs_no_summary(officer, photo_card):
    card, photos = photo_card
    row = db.session.get(PostboxItem, uuid.UUID(card["id"]))
    assert row.summary is None and [t.topic for t in row.topics] == ["drugs"]
    version = db.session.scalar(select(EntryVersion).where(EntryVersion.entry_id == uuid.UUID(card["id"])))
    assert version.data["photos"] == photos and "summary" not in version.data
    body = officer.get(f"/api/entries/{card['id']}").get_json()
    assert body["data"]["photos"] == photos
    # Sent again, it is the same entry: the photos are part of its content hash.
    assert officer.push(card)[0]["status"] == "duplicate"


@pytest.mark.parametrize("photos", [None, [], "", "   "])
def test_a_card_without_photos_or_summary_is_rejected(officer, card_visit, photos):
    [result] = officer.push(item(card_visit["id"], summary=None, photos=photos))
    assert result["status"] == "rejected"
    assert result["errors"] == {"summary": SUMMARY_MESSAGE}


def test_topics_are_still_required_with_photos(officer, card_visit):
    [result] = officer.push(item(card_visit["id"], summary=None, topics=None, photos=ids(1)))
    assert result["status"] == "rejected" and result["errors"] == {"topics": "Choose at least one of the topics list."}


@pytest.mark.parametrize(("photos", "message"), [
    ("3f0c0f4e-8d0a-4c55-9c1b-2f0e6b7d8a90", "Photos must be a list of photo ids (UUIDs)."),
    ({"id": "3f0c0f4e-8d0a-4c55-9c1b-2f0e6b7d8a90"}, "Photos must be a list of photo ids (UUIDs)."),
    (["not-a-uuid"], "Photos must be a list of photo ids (UUIDs)."),
    (["3f0c0f4e8d0a4c559c1b2f0e6b7d8a90"], "Photos must be a list of photo ids (UUIDs)."),
    ([None], "Photos must be a list of photo ids (UUIDs)."),
    ([7], "Photos must be a list of photo ids (UUIDs)."),
    ([["3f0c0f4e-8d0a-4c55-9c1b-2f0e6b7d8a90"]], "Photos must be a list of photo ids (UUIDs)."),
    (["3f0c0f4e-8d0a-4c55-9c1b-2f0e6b7d8a90", "3F0C0F4E-8D0A-4C55-9C1B-2F0E6B7D8A90"], "Photos: the same id twice."),
    ("eleven", "Photos: at most 10."),
])
@pytest.mark.parametrize("entry_type", ["postbox_item", "encounter"])
def test_invalid_photos_are_a_field_error(officer, card_visit, photos, message, entry_type):
    if photos == "eleven":
        photos = ids(11)
    entry = item(card_visit["id"], photos=photos) if entry_type == "postbox_item" else encounter(photos=photos)
    [result] = officer.push(entry)
    assert result["status"] == "rejected"
    assert result["errors"] == {"photos": message}


def test_an_invalid_photos_list_still_spares_the_summary_message(officer, card_visit):
    """A list of photos given but wrong is its own error; the officer fixes that, not the summary."""
    [result] = officer.push(item(card_visit["id"], summary=None, photos=["nope"]))
    assert result["errors"] == {"photos": "Photos must be a list of photo ids (UUIDs)."}


@pytest.mark.parametrize("kind", ["stop_account", "asb", "begging", "welfare_check", "other"])
def test_every_encounter_kind_takes_photos(officer, kind):
    photos = [str(uuid.uuid4()).upper() for _ in range(10)]
    entry = encounter(kind, photos=photos)
    assert officer.push(entry)[0]["status"] == "created"
    body = officer.get(f"/api/entries/{entry['id']}").get_json()
    assert body["data"]["photos"] == [p.lower() for p in photos]  # stored lower case


def test_visits_take_no_photos(officer, postbox):
    [result] = officer.push(visit(postbox, photos=ids(1)))
    assert result["status"] == "rejected" and result["errors"] == {"photos": "Unknown field."}


def test_an_empty_list_is_stored_as_not_given(officer, card_visit):
    with_empty, without = item(card_visit["id"], photos=[]), item(card_visit["id"])
    assert [r["status"] for r in officer.push(with_empty, without)] == ["created", "created"]
    body = officer.get(f"/api/entries/{with_empty['id']}").get_json()
    assert "photos" not in body["data"]


def test_an_edit_adding_a_photo_is_an_update_and_can_drop_the_summary(officer, card_visit):
    card = item(card_visit["id"])
    officer.push(card)
    changed = edit(card, summary=None, photos=ids(1))
    assert officer.push(changed)[0]["status"] == "updated"
    assert db.session.get(PostboxItem, uuid.UUID(card["id"])).summary is None
    # The same edit resent is a duplicate of version 2, not another version.
    assert officer.push(changed)[0]["status"] == "duplicate"


def test_the_api_document_describes_photos(client):
    doc = client.get("/api/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    for name in ("EncounterData", "PostboxItemData"):
        photos = schemas[name]["properties"]["photos"]
        assert photos["type"] == ["array", "null"] and photos["maxItems"] == 10 and photos["uniqueItems"]
        assert photos["items"] == {"type": "string", "format": "uuid"}
    item_schema = schemas["PostboxItemData"]
    assert "summary" not in item_schema["required"] and "topics" in item_schema["required"]
    assert "Required when photos is not given." in item_schema["properties"]["summary"]["description"]
    assert "photos" not in schemas["PostboxVisitData"]["properties"]


# --- the review pages, exports and reports ------------------------------------

def photo_items(html: str) -> list[str]:
    section = re.search(r'<section aria-labelledby="photos">(.*?)</section>', html, re.S).group(1)
    return [" ".join(unescape(li).split()) for li in re.findall(r"<li>(.*?)</li>", section, re.S)]


def test_the_review_page_shows_received_photos_inline_and_the_others_as_awaited(
        officer, photo_card, create_user, auth, client):
    card, (first, second) = photo_card
    upload(officer, card["id"], second)
    create_user("sgt", role="supervisor", team="Rose Hill", display_name="PS Hughes")
    auth.login("sgt")
    response = client.get(f"/review/{card['id']}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    link = f"/review/{card['id']}/photos/{second}"
    # In the order the entry lists them: the first not yet uploaded, the second shown.
    assert photo_items(html)[0] == "Photo 1: not yet received from the phone"
    assert re.search(rf'<a href="{re.escape(link)}"><img src="{re.escape(link)}" alt="Photo 2 of this entry" '
                     r'loading="lazy">', html)
    assert f"/photos/{first}" not in html
    assert re.search(r'<dd data-field="summary">Not recorded</dd>', html)
    assert len(photo_items(html)) == 2  # the photos have their section, not a row among the facts
    assert 'data-field="photos"' not in html
    assert audit_events("consult", "photo") == []  # the page itself reads no photo
    assert client.get(link).status_code == 200
    [event] = audit_events("consult", "photo")
    assert event.record_id == second


def test_an_officer_sees_the_photos_listed_but_not_the_images(officer, photo_card, auth):
    card, (first, _) = photo_card
    upload(officer, card["id"], first)
    auth.login("pc1")
    html = auth.client.get(f"/review/{card['id']}").get_data(as_text=True)
    assert "<img" not in html
    assert photo_items(html)[1] == "Photo 2: not yet received from the phone"


def test_a_photo_only_card_in_the_queue_search_exports_and_reports(officer, photo_card, supervisor, client):
    card, _ = photo_card
    queue = client.get("/review?type=postbox_item")
    assert queue.status_code == 200
    assert "Photo of the card" in queue.get_data(as_text=True)
    searched = client.get("/review?q=bus+shelter")
    assert searched.status_code == 200 and card["id"] not in searched.get_data(as_text=True)
    rows = read_csv(client.get("/exports/postbox_item.csv"))
    row = dict(zip(rows[0], rows[1]))
    assert row["id"] == card["id"] and row["summary"] == ""
    assert "photos" not in rows[0]
    for path in ("/reports?from=2025-06-02&to=2025-06-15", "/reports/forum?from=2025-06-02&to=2025-06-15",
                 "/exports/postbox_visit.csv", "/exports/stop-search.csv?from=2025-06-01&to=2025-06-30"):
        assert client.get(path).status_code == 200, path
