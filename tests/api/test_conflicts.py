"""Conflict copies become a new version only by a supervisor's hand; nothing is lost either way."""

import uuid

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.ingest import ResolveError, dismiss_conflict, resolve_conflict
from fieldapp.models import ConflictCopy, Encounter, Entry, EntryVersion
from tests.factories import edit, stop_search


@pytest.fixture
def conflict(officer, sign_in_device):
    entry = stop_search()
    officer.push(entry)
    officer.push(edit(entry, notes="phone one"))
    spare = sign_in_device("pc1", device_name="spare")
    assert spare.push(edit(entry, notes="phone two"))[0]["status"] == "conflict"
    return entry, db.session.scalar(select(ConflictCopy))


def test_resolving_makes_the_copy_the_next_version(officer, conflict, create_user):
    entry, copy = conflict
    sergeant = create_user("sergeant", role="supervisor")
    officer.pull()
    assert resolve_conflict(copy, sergeant.id) == 3
    assert db.session.get(Encounter, uuid.UUID(entry["id"])).notes == "phone two"
    assert db.session.get(Entry, uuid.UUID(entry["id"])).version == 3
    assert db.session.get(EntryVersion, (uuid.UUID(entry["id"]), 2)).data["notes"] == "phone one"
    assert copy.resolved_version == 3 and copy.resolved_by == sergeant.id
    changes = officer.pull()["changes"]
    assert changes[-1] == {"id": entry["id"], "type": "encounter", "version": 3, "review": None}


def test_a_merged_version_is_validated(conflict, create_user):
    entry, copy = conflict
    sergeant = create_user("sergeant", role="supervisor")
    with pytest.raises(ResolveError) as caught:
        resolve_conflict(copy, sergeant.id, {**copy.data, "grounds": "short"})
    assert "grounds" in caught.value.errors
    assert db.session.get(Entry, uuid.UUID(entry["id"])).version == 2


def test_dismissing_keeps_everything(conflict, create_user):
    entry, copy = conflict
    sergeant = create_user("sergeant", role="supervisor")
    dismiss_conflict(copy, sergeant.id)
    assert copy.resolved_version == 2 and copy.data["notes"] == "phone two"
    assert db.session.get(Entry, uuid.UUID(entry["id"])).version == 2
