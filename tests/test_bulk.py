"""fieldapp.bulk: the multi-row inserts of the sync hot path, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from fieldapp import bulk
from fieldapp.extensions import db
from fieldapp.models import Change, Entry, EntryVersion


@pytest.fixture
def officer(create_user):
    return create_user("pc1", role="officer", team="Team A")


def _entry_row(officer, entry_id: uuid.UUID, received_at: datetime) -> dict:
    captured = datetime(2026, 6, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=1)))
    return {"id": entry_id, "type": "encounter", "author_id": officer.id, "team_id": officer.team_id,
            "device_id": None, "version": 1, "captured_at": captured, "captured_offset_minutes": 60,
            "received_at": received_at, "updated_at": received_at, "occurred_at": captured,
            "content_hash": "0" * 64, "review_state": "unreviewed"}


def _version_row(officer, entry_id: uuid.UUID, now: datetime, data: dict) -> dict:
    return {"entry_id": entry_id, "version": 1, "data": data, "content_hash": "0" * 64, "captured_at": now,
            "captured_offset_minutes": 0, "received_at": now, "submitted_by": officer.id, "device_id": None}


def test_rows_are_stored_with_every_value_exact(officer):
    ids = sorted(uuid.uuid4() for _ in range(3))
    now = datetime.now(UTC)
    inserted = bulk.insert_rows(Entry.__table__, [_entry_row(officer, i, now) for i in ids], returning="id")
    data = {"grounds": "Smelt of cannabis, admitted having some", "nested": {"a": [1, 2.5, None, True]},
            "text": "quotes \" and \\ backslashes, ünïcode and emoji 🚓"}
    bulk.insert_rows(EntryVersion.__table__, [_version_row(officer, ids[0], now, data)])
    db.session.commit()

    assert sorted(inserted) == ids
    stored = db.session.get(Entry, ids[0])
    # The instant survives exactly, microseconds and offset included (kept in UTC).
    assert stored.captured_at == datetime(2026, 6, 1, 8, 30, 15, 123456, tzinfo=UTC)
    assert stored.received_at == now
    assert stored.device_id is None and stored.author_id == officer.id
    assert db.session.scalar(select(EntryVersion.data)) == data


def test_skip_existing_leaves_stored_rows_alone_and_returns_only_new_ones(officer):
    first, second = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    bulk.insert_rows(Entry.__table__, [_entry_row(officer, first, now)])
    again = {**_entry_row(officer, first, now), "content_hash": "f" * 64}
    inserted = bulk.insert_rows(Entry.__table__, [again, _entry_row(officer, second, now)],
                                skip_existing=True, returning="id")
    db.session.commit()

    assert inserted == [second]
    assert db.session.get(Entry, first).content_hash == "0" * 64


def test_columns_left_out_get_their_python_default(officer):
    entry_id = uuid.uuid4()
    before = datetime.now(UTC)
    bulk.insert_rows(Entry.__table__, [_entry_row(officer, entry_id, before)])
    # sync_changes.created_at has default=utcnow and is NOT NULL: left out here on purpose.
    bulk.insert_rows(Change.__table__, [{"seq": 1, "owner_id": officer.id, "entry_id": entry_id,
                                         "entry_type": "encounter", "version": 1, "review_id": None}])
    db.session.commit()

    assert before <= db.session.scalar(select(Change.created_at)) <= datetime.now(UTC)


def test_nothing_to_insert_is_no_statement(officer):
    assert bulk.insert_rows(Entry.__table__, [], returning="id") == []


def test_among_matches_the_given_values_only(officer):
    ids = [uuid.uuid4() for _ in range(4)]
    now = datetime.now(UTC)
    bulk.insert_rows(Entry.__table__, [_entry_row(officer, i, now) for i in ids])
    db.session.commit()

    found = set(db.session.scalars(select(Entry.id).where(bulk.among(Entry.__table__.c.id, {ids[0], ids[2]}))))
    assert found == {ids[0], ids[2]}
    assert not list(db.session.scalars(select(Entry.id).where(bulk.among(Entry.__table__.c.id, set()))))


def test_parts_inserted_together_may_refer_to_each_other(officer):
    entry_id, other_id = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    bulk.insert_rows(Entry.__table__, [_entry_row(officer, other_id, now)])
    version = _version_row(officer, entry_id, now, {"kind": "other"})
    inserted = bulk.insert_together(
        bulk.Rows(Entry.__table__, [_entry_row(officer, entry_id, now), _entry_row(officer, other_id, now)],
                  skip_existing=True),
        bulk.Rows(EntryVersion.__table__, []),  # an empty part is left out
        bulk.Rows(EntryVersion.__table__, [version]),  # points at an entry of the first part
        returning="id",
    )
    db.session.commit()

    assert inserted == [entry_id]  # the existing one was skipped
    assert db.session.scalar(select(EntryVersion.entry_id)) == entry_id


def test_a_part_that_breaks_a_foreign_key_stores_nothing(officer):
    from sqlalchemy.exc import IntegrityError

    entry_id = uuid.uuid4()
    now = datetime.now(UTC)
    orphan = _version_row(officer, uuid.uuid4(), now, {})
    with pytest.raises(IntegrityError):
        bulk.insert_together(bulk.Rows(Entry.__table__, [_entry_row(officer, entry_id, now)]),
                             bulk.Rows(EntryVersion.__table__, [orphan]))
        db.session.flush()
    db.session.rollback()

    assert db.session.get(Entry, entry_id) is None
