"""POST /api/sync/push: every status, batch order, whole-request errors, the audit trail."""

import uuid
from datetime import datetime

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import (AuditEvent, ConflictCopy, Encounter, Entry, EntryVersion, PostboxItem,
                             PostboxItemTopic, PostboxVisit)
from tests.factories import GROUNDS, edit, encounter, item, stop_search, visit
from tests.fixtures.rows import count


def test_a_new_entry_is_created_and_stored_whole(officer):
    entry = stop_search(vehicle_registration=None, operation_name="Op Nightjar")
    [result] = officer.push(entry)
    assert result == {"id": entry["id"], "status": "created", "version": 1}
    row = db.session.get(Encounter, uuid.UUID(entry["id"]))
    for name, value in entry["data"].items():
        stored = getattr(row, name)
        expected = datetime.fromisoformat(value) if name == "occurred_at" else value
        assert stored == expected, name
    stored_entry = db.session.get(Entry, uuid.UUID(entry["id"]))
    assert stored_entry.version == 1 and stored_entry.review_state == "unreviewed"
    assert stored_entry.captured_offset_minutes == 60
    assert db.session.get(EntryVersion, (stored_entry.id, 1)).data == entry["data"]


def test_the_same_push_twice_stores_once(officer):
    entries = [stop_search(), encounter("asb"), encounter("begging")]
    first = officer.push(*entries)
    second = officer.push(*entries)
    assert [r["status"] for r in first] == ["created"] * 3
    assert [r["status"] for r in second] == ["duplicate"] * 3
    assert count(Entry) == 3 and count(EntryVersion) == 3
    assert count(AuditEvent, AuditEvent.action == "collect", AuditEvent.record_type == "entry") == 3


def test_an_edit_with_the_right_base_is_updated(officer):
    entry = stop_search()
    officer.push(entry)
    changed = edit(entry, grounds=GROUNDS + " Confirmed by CCTV operator.")
    [result] = officer.push(changed)
    assert result == {"id": entry["id"], "status": "updated", "version": 2}
    assert db.session.get(Encounter, uuid.UUID(entry["id"])).grounds.endswith("CCTV operator.")
    assert count(EntryVersion, EntryVersion.entry_id == uuid.UUID(entry["id"])) == 2
    assert officer.push(changed)[0]["status"] == "duplicate"
    assert count(AuditEvent, AuditEvent.action == "alter") == 1


def test_a_stale_edit_is_a_conflict_and_kept(officer, sign_in_device):
    entry = stop_search()
    officer.push(entry)
    other_phone = sign_in_device("pc1", device_name="Second phone")
    first_edit = edit(entry, notes="Edited on phone one.")
    second_edit = edit(entry, notes="Edited on phone two.")
    assert officer.push(first_edit)[0]["status"] == "updated"
    [result] = other_phone.push(second_edit)
    assert result["status"] == "conflict" and result["current_version"] == 2 and result["version"] == 2
    copy = db.session.scalar(select(ConflictCopy))
    assert copy.data["notes"] == "Edited on phone two." and copy.base_version == 1
    assert db.session.get(Encounter, uuid.UUID(entry["id"])).notes == "Edited on phone one."
    # A retry of the conflicting push keeps one copy.
    assert other_phone.push(second_edit)[0]["status"] == "conflict"
    assert count(ConflictCopy) == 1


def test_same_id_and_version_with_other_content_is_a_conflict(officer):
    entry = stop_search()
    officer.push(entry)
    clash = {**entry, "data": {**entry["data"], "notes": "different"}}
    [result] = officer.push(clash)
    assert result["status"] == "conflict" and result["current_version"] == 1
    assert count(ConflictCopy) == 1 and count(Entry) == 1


def test_editing_someone_elses_entry_is_rejected(officer, sign_in_device):
    entry = stop_search()
    officer.push(entry)
    other = sign_in_device("pc2")
    [result] = other.push(edit(entry, notes="not mine"))
    assert result["status"] == "rejected" and "id" in result["errors"]
    [result] = other.push(entry)
    assert result["status"] == "rejected"
    assert db.session.get(Encounter, uuid.UUID(entry["id"])).notes is None


def test_one_invalid_entry_does_not_block_the_rest(officer):
    good, bad = stop_search(), stop_search(grounds="too short")
    results = officer.push(good, bad, encounter())
    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    assert results[1]["id"] == bad["id"] and "grounds" in results[1]["errors"]
    assert count(Entry) == 2


def test_items_may_come_before_their_visit_in_a_batch(officer, postbox):
    the_visit = visit(postbox)
    items = [item(the_visit["id"], topics=["drugs", "parking"]), item(the_visit["id"]), item(the_visit["id"])]
    results = officer.push(*items, the_visit)
    assert [r["status"] for r in results] == ["created"] * 4
    assert count(PostboxItem, PostboxItem.visit_id == uuid.UUID(the_visit["id"])) == 3
    assert count(PostboxItemTopic) == 4
    stored = db.session.get(PostboxVisit, uuid.UUID(the_visit["id"]))
    assert stored.postbox_id == postbox and stored.placement_id is not None


def test_an_item_whose_visit_is_nowhere_is_rejected(officer):
    [result] = officer.push(item(str(uuid.uuid4())))
    assert result["status"] == "rejected" and "visit_id" in result["errors"]
    assert count(Entry) == 0


def test_an_item_for_a_stored_visit(officer, postbox):
    the_visit = visit(postbox)
    officer.push(the_visit)
    assert officer.push(item(the_visit["id"]))[0]["status"] == "created"


def test_an_unknown_postbox_is_rejected(officer, postbox):
    [result] = officer.push(visit(postbox + 99))
    assert result["status"] == "rejected" and result["errors"] == {"postbox_id": "Unknown postbox."}


def test_a_version_and_its_edit_in_one_batch(officer):
    entry = stop_search()
    results = officer.push(edit(entry, notes="second thoughts"), entry)
    assert [r["status"] for r in results] == ["updated", "created"]
    assert db.session.get(Entry, uuid.UUID(entry["id"])).version == 2


def test_the_author_is_the_token_user(officer, sign_in_device):
    entry = stop_search()
    officer.push(entry)
    stored = db.session.get(Entry, uuid.UUID(entry["id"]))
    assert stored.author.username == "pc1" and stored.device_id == officer.device_id


def test_every_created_entry_is_audited_as_collect(officer):
    entries = [stop_search(), encounter()]
    officer.push(*entries)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "collect",
                                                         AuditEvent.record_type == "entry")).all()
    assert {e.record_id for e in events} == {e["id"] for e in entries}
    assert all(e.device_id == officer.device_id and e.actor_id is not None for e in events)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "error"),
    [
        (b"{not json", "application/json", 400, "invalid_json"),
        (b"[]", "application/json", 400, "invalid_request"),
        (b'{"entries": []}', "application/json", 400, "invalid_request"),
        (b'{"entries": {}}', "application/json", 400, "invalid_request"),
        (b'{"entries": [1], "extra": 1}', "application/json", 400, "invalid_request"),
        (b'{"entries": [NaN]}', "application/json", 400, "invalid_json"),
        (b'{"entries": [{}]}', "text/plain", 415, "unsupported_media_type"),
        (b"\xff\xfe\x00garbage", "application/json", 400, "invalid_json"),
    ],
)
def test_whole_request_errors(officer, body, content_type, status, error):
    response = officer.post("/api/sync/push", data=body, headers={"Content-Type": content_type})
    assert response.status_code == status
    assert response.get_json()["error"] == error and response.get_json()["message"]


def test_more_than_200_entries_is_413(officer):
    response = officer.post("/api/sync/push", json={"entries": [stop_search() for _ in range(201)]})
    assert response.status_code == 413 and "200" in response.get_json()["message"]
    assert count(Entry) == 0


def test_a_body_over_2mb_is_413(officer):
    response = officer.post("/api/sync/push", json={"entries": [stop_search(notes="x" * 3_000_000)]})
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"


def test_push_without_a_token_is_401(client):
    response = client.post("/api/sync/push", json={"entries": [stop_search()]})
    assert response.status_code == 401 and response.get_json()["error"] == "token_missing"


def test_rejected_entries_echo_what_they_can(officer):
    results = officer.push(7, {"id": 7, "version": True}, {"id": "x" * 100})
    assert [r["status"] for r in results] == ["rejected"] * 3
    assert results[0] == {"id": None, "status": "rejected", "version": None, "errors": results[0]["errors"]}
    assert results[1]["id"] is None and results[2]["id"] is None


def test_a_visit_with_items_can_be_edited(officer, postbox):
    the_visit = visit(postbox)
    card = item(the_visit["id"], topics=["drugs", "parking"])
    officer.push(the_visit, card)
    [result] = officer.push(edit(the_visit, item_count=4, notes="One more card found later."))
    assert result["status"] == "updated"
    assert db.session.get(PostboxVisit, uuid.UUID(the_visit["id"])).item_count == 4
    assert officer.push(edit(card, topics=["drugs"]))[0]["status"] == "updated"
    assert count(PostboxItemTopic) == 1
