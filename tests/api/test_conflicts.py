"""Conflict copies become a new version only by a supervisor's hand; nothing is lost either way."""

import uuid

import pytest
from sqlalchemy import select, update

from fieldapp.extensions import db
from fieldapp.review.conflicts import AlreadyResolved, ResolveError, dismiss_conflict, resolve_conflict
from fieldapp.models import AuditEvent, ConflictCopy, Encounter, Entry, EntryVersion
from fieldapp.models.types import utcnow
from tests.factories import edit, stop_search
from tests.fixtures.rows import count, stored


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


@pytest.mark.parametrize("act", ["resolve", "dismiss"])
def test_a_copy_another_supervisor_dealt_with_meanwhile_changes_nothing(conflict, create_user, act):
    entry, copy = conflict
    sergeant, other = create_user("sergeant", role="supervisor"), create_user("sarge2", role="supervisor")
    # The other supervisor's resolution commits on its own connection; this session's copy is stale.
    with db.engine.begin() as connection:
        connection.execute(update(ConflictCopy.__table__).where(ConflictCopy.__table__.c.id == copy.id)
                           .values(resolved_at=utcnow(), resolved_by=other.id, resolved_version=2))
    events = count(AuditEvent)

    with pytest.raises(AlreadyResolved):
        if act == "resolve":
            resolve_conflict(copy, sergeant.id)
        else:
            dismiss_conflict(copy, sergeant.id)

    db.session.expire_all()
    assert stored(entry).version == 2
    assert db.session.get(ConflictCopy, copy.id).resolved_by == other.id
    assert count(AuditEvent) == events
