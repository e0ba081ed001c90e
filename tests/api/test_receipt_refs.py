"""Receipt references on push (#15): one search per reference, refused per entry, never a 500 nor a lost
or doubled entry; a re-send or an edit of the same search keeps its own reference."""

from __future__ import annotations

import uuid

from fieldapp.api import ingest
from fieldapp.extensions import db
from fieldapp.models import Encounter, Entry
from sync.receipts import new_reference
from tests.factories import edit, stop_search
from tests.fixtures.rows import count


def test_the_reference_is_stored_in_its_canonical_form(officer):
    ref = new_reference()
    entry = stop_search(receipt_ref=ref.lower().replace("-", " "))
    assert officer.push(entry)[0]["status"] == "created"
    assert db.session.get(Encounter, uuid.UUID(entry["id"])).receipt_ref == ref


def test_a_reference_already_stored_is_refused(officer):
    ref = new_reference()
    first, second = stop_search(receipt_ref=ref), stop_search(receipt_ref=ref)
    officer.push(first)
    [result] = officer.push(second)
    assert result == {"id": second["id"], "status": "rejected", "version": 1,
                      "errors": {"receipt_ref": ingest.RECEIPT_REF_TAKEN}}
    assert count(Entry) == 1
    assert db.session.get(Entry, uuid.UUID(second["id"])) is None


def test_a_reference_twice_in_one_batch_keeps_the_first(officer):
    ref = new_reference()
    first, second, other = stop_search(receipt_ref=ref), stop_search(receipt_ref=ref), stop_search()
    results = officer.push(first, second, other)
    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    assert results[1]["errors"] == {"receipt_ref": ingest.RECEIPT_REF_TAKEN}
    assert db.session.get(Encounter, uuid.UUID(first["id"])).receipt_ref == ref
    assert count(Entry) == 2


def test_a_resend_and_an_edit_keep_their_own_reference(officer):
    ref = new_reference()
    entry = stop_search(receipt_ref=ref)
    assert officer.push(entry)[0]["status"] == "created"
    assert officer.push(entry)[0]["status"] == "duplicate"
    changed = edit(entry, notes="Searched by the bus shelter.")
    assert officer.push(changed)[0]["status"] == "updated"
    # The edit and its re-send in one batch: still its own reference.
    assert [r["status"] for r in officer.push(changed, changed)] == ["duplicate", "duplicate"]
    assert count(Entry) == 1


def test_an_edit_may_not_take_another_searchs_reference(officer):
    mine, theirs = stop_search(receipt_ref=new_reference()), stop_search(receipt_ref=new_reference())
    officer.push(mine, theirs)
    [result] = officer.push(edit(mine, receipt_ref=theirs["data"]["receipt_ref"]))
    assert result["status"] == "rejected" and result["errors"] == {"receipt_ref": ingest.RECEIPT_REF_TAKEN}
    assert db.session.get(Entry, uuid.UUID(mine["id"])).version == 1


def test_a_reference_freed_by_an_edit_is_not_reused_in_the_same_batch(officer):
    """The stored owner keeps its reference for the batch: two rows never hold it at once."""
    old_ref = new_reference()
    mine = stop_search(receipt_ref=old_ref)
    officer.push(mine)
    newcomer = stop_search(receipt_ref=old_ref)
    results = officer.push(edit(mine, receipt_ref=new_reference()), newcomer)
    assert [r["status"] for r in results] == ["updated", "rejected"]
    # Sent again later, it is stored.
    assert officer.push(newcomer)[0]["status"] == "created"


def test_losing_the_race_to_a_concurrent_push_is_a_rejection(officer, monkeypatch):
    """Another push stores the reference between our check and our insert: the unique index refuses ours,
    the batch is decided again, and the entry is rejected, its neighbour stored once."""
    ref = new_reference()
    winner = stop_search(receipt_ref=ref)
    officer.push(winner)
    real, calls = ingest._refuse_taken_receipt_refs, []

    def blind_once(valid, results):
        calls.append(1)
        return valid if len(calls) == 1 else real(valid, results)  # the first check ran before the commit

    monkeypatch.setattr(ingest, "_refuse_taken_receipt_refs", blind_once)
    loser, neighbour = stop_search(receipt_ref=ref), stop_search()
    results = officer.push(loser, neighbour)
    assert len(calls) == 2
    assert [r["status"] for r in results] == ["rejected", "created"]
    assert results[0]["errors"] == {"receipt_ref": ingest.RECEIPT_REF_TAKEN}
    assert count(Entry) == 2
    assert db.session.get(Entry, uuid.UUID(loser["id"])) is None
