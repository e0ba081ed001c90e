"""Retention: `fieldapp retention` lists entries past their period; --apply erases them, audited, content-free."""

from __future__ import annotations

import hashlib
import threading
import time
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from fieldapp.extensions import db
from fieldapp.models import (
    AuditEvent,
    Change,
    ConflictCopy,
    Encounter,
    Entry,
    EntryVersion,
    Photo,
    PhotoBlob,
    PostboxItem,
    PostboxItemTopic,
    PostboxVisit,
    Review,
)
from fieldapp.models.types import utcnow
from fieldapp.retention import erase_due, retention_command
from fieldapp.review.operations import add_review
from tests.factories import GROUNDS, edit, item, stop_search, visit
from tests.fixtures.rows import count
from tests.images import png

PNG = png(extra=b"\x00")  # a real PNG: the server checks the structure
OLD = "2022-06-01T10:00:00+00:00"  # over four years before the tests' today (2026)
SUMMARY = "Drug dealing from the flat above the launderette, ask for Dave."


@pytest.fixture
def stored(officer, postbox, create_user, app):
    """Old and recent entries of every type, the old search with a photo, an edit, a conflict and a review."""
    old_search = stop_search(occurred_at=OLD, notes="Lives at 3 Elm Road.")
    recent_search = stop_search(occurred_at="2025-06-01T10:00:00+00:00")
    old_visit = visit(postbox, visited_at="2024-01-01T10:00:00+00:00")
    old_item = item(old_visit["id"], summary=SUMMARY, topics=["drugs", "begging"])
    recent_visit = visit(postbox, visited_at="2025-06-01T10:00:00+00:00")
    recent_item = item(recent_visit["id"])
    officer.push(old_search, recent_search, old_visit, old_item, recent_visit, recent_item)
    second = edit(old_search, outcome="Arrest")
    officer.push(second)
    officer.push(edit(old_search, outcome="Community resolution"))  # stale base: a conflict copy
    digest = hashlib.sha256(PNG).hexdigest()
    response = officer.put(f"/api/entries/{old_search['id']}/photos/{uuid.uuid4()}", data=PNG,
                           headers={"Content-Type": "image/png", "X-Content-SHA256": digest})
    assert response.status_code == 201
    sergeant = create_user("sgt", role="supervisor", team="Rose Hill")
    add_review(db.session.get(Entry, uuid.UUID(old_search["id"])), sergeant, "approved")
    return {"old": {old_search["id"], old_visit["id"], old_item["id"]},
            "recent": {recent_search["id"], recent_visit["id"], recent_item["id"]},
            "old_search": old_search["id"], "old_item": old_item["id"], "digest": digest}


def test_lists_what_is_past_its_period_and_changes_nothing(stored, app):
    result = app.test_cli_runner().invoke(retention_command)
    assert result.exit_code == 0, result.output
    for entry_id in stored["old"]:
        assert entry_id in result.output
    for entry_id in stored["recent"]:
        assert entry_id not in result.output
    assert "3 entries past their retention period" in result.output
    assert "encounter      " + stored["old_search"] + "  2022-06-01T10:00:00+00:00" in result.output
    assert "past 1095 days" in result.output and "past 730 days" in result.output
    assert count(Entry) == 6
    assert count(AuditEvent, AuditEvent.action == "erase") == 0


def test_apply_erases_with_everything_attached_and_logs_metadata_only(stored, app):
    assert db.session.get(PhotoBlob, stored["digest"]) is not None
    assert count(ConflictCopy) == 1 and count(Review) == 1
    result = app.test_cli_runner().invoke(retention_command, ["--apply", "--batch-size", "1"])
    assert result.exit_code == 0, result.output
    assert "Erased 3 entries" in result.output

    remaining = {str(entry_id) for entry_id in db.session.scalars(select(Entry.id))}
    assert remaining == stored["recent"]
    old_ids = [uuid.UUID(entry_id) for entry_id in stored["old"]]
    for model, column in [(EntryVersion, EntryVersion.entry_id), (ConflictCopy, ConflictCopy.entry_id),
                          (Review, Review.entry_id), (Photo, Photo.entry_id), (Change, Change.entry_id),
                          (Encounter, Encounter.entry_id), (PostboxVisit, PostboxVisit.entry_id),
                          (PostboxItem, PostboxItem.entry_id), (PostboxItemTopic, PostboxItemTopic.item_id)]:
        assert count(model, column.in_(old_ids)) == 0, model
    assert count(PhotoBlob) == 0  # no other photo used those bytes

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "erase")
                                .order_by(AuditEvent.id)).all()
    assert {e.record_id for e in events} == stored["old"]
    assert all(e.record_type == "entry" and e.actor_id is None for e in events)
    by_id = {e.record_id: e.detail for e in events}
    assert by_id[stored["old_search"]] == "retention: encounter past 1095 days"
    assert by_id[stored["old_item"]] == "retention: postbox_item past 730 days"
    for event in events:
        for content in (GROUNDS, SUMMARY, "Elm Road", "Arrest", "drugs"):
            assert content not in (event.detail or "")

    again = app.test_cli_runner().invoke(retention_command, ["--apply"])
    assert "Erased 0 entries" in again.output


def test_items_go_with_their_visit_even_when_kept_longer(stored, app):
    app.config["RETENTION_DAYS"] = {**app.config["RETENTION_DAYS"], "postbox_item": 3650}
    listed = app.test_cli_runner().invoke(retention_command)
    assert stored["old_item"] in listed.output
    assert "erased with its postbox visit" in listed.output
    result = app.test_cli_runner().invoke(retention_command, ["--apply"])
    assert result.exit_code == 0, result.output
    assert db.session.get(Entry, uuid.UUID(stored["old_item"])) is None
    detail = db.session.scalar(select(AuditEvent.detail).where(AuditEvent.record_id == stored["old_item"],
                                                               AuditEvent.action == "erase"))
    assert detail == "retention: erased with its postbox visit (past 730 days)"


def test_shared_photo_bytes_stay_while_another_entry_uses_them(stored, officer, app):
    recent_search = db.session.scalar(select(Entry.id).where(Entry.type == "encounter",
                                                              Entry.id != uuid.UUID(stored["old_search"])))
    response = officer.put(f"/api/entries/{recent_search}/photos/{uuid.uuid4()}", data=PNG,
                           headers={"Content-Type": "image/png", "X-Content-SHA256": stored["digest"]})
    assert response.status_code == 201
    app.test_cli_runner().invoke(retention_command, ["--apply"])
    db.session.expire_all()
    assert count(Photo) == 1 and db.session.get(PhotoBlob, stored["digest"]).data == PNG


def test_registered_on_the_fieldapp_command():
    from fieldapp.cli import main

    assert main.get_command(None, "retention") is retention_command


def test_bytes_a_photo_starts_using_during_the_run_are_kept(stored, app, postgres_url):
    """PostgreSQL: an upload of the same bytes commits while retention deletes them. The uploader's
    photo row (uncommitted, invisible to retention) holds the foreign key's lock on the bytes; the
    delete waits for it, is refused once it commits, and the next attempt sees the photo and keeps them."""
    if postgres_url is None:
        pytest.skip("on SQLite the one write lock keeps the two apart")
    recent = db.session.scalar(select(Entry.id).where(Entry.type == "encounter",
                                                      Entry.id != uuid.UUID(stored["old_search"])))
    uploader_id = db.session.scalar(select(Photo.uploaded_by))
    db.session.commit()
    photos = Photo.__table__
    uploader = db.engine.connect()
    erased = {}

    def run_retention():
        with app.app_context():
            erased.update(erase_due())

    try:
        uploader.execute(photos.insert().values(id=uuid.uuid4(), entry_id=recent, content_type="image/png",
                                                size=len(PNG), sha256=stored["digest"], uploaded_by=uploader_id,
                                                uploaded_at=utcnow()))
        retention = threading.Thread(target=run_retention)
        retention.start()
        deadline = time.monotonic() + 20
        while not _waiting_for_a_lock():
            assert time.monotonic() < deadline, "retention never waited for the uploader"
            time.sleep(0.05)
        uploader.commit()
    finally:
        uploader.close()
    retention.join(30)
    assert erased["encounter"] == 1
    db.session.expire_all()
    assert db.session.get(PhotoBlob, stored["digest"]).data == PNG
    assert count(Photo) == 1


def _waiting_for_a_lock() -> bool:
    """Whether a backend of this PostgreSQL database waits for a lock."""
    with db.engine.connect() as conn:
        return bool(conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                      "AND wait_event_type = 'Lock'")).scalar())


def test_the_database_refuses_a_photo_without_its_bytes(stored):
    recent = db.session.scalar(select(Entry.id).where(Entry.id != uuid.UUID(stored["old_search"])))
    db.session.add(Photo(id=uuid.uuid4(), entry_id=recent, content_type="image/png", size=1, sha256="0" * 64,
                         uploaded_by=db.session.scalar(select(Photo.uploaded_by))))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_record_requests_go_a_year_after_they_were_made_and_each_erasure_is_logged(app):
    from datetime import timedelta

    from fieldapp.models import RecordRequest

    now = utcnow()
    old = RecordRequest(reference="ABCD-EFGH-JKMN", contact="old@example.org", requested_at=now - timedelta(days=366),
                        due_at=now - timedelta(days=359))
    recent = RecordRequest(reference="ABCD-EFGH-JKMN", contact="recent@example.org",
                           requested_at=now - timedelta(days=364), due_at=now - timedelta(days=357))
    db.session.add_all([old, recent])
    db.session.commit()
    old_id, recent_id = old.id, recent.id

    listed = app.test_cli_runner().invoke(retention_command)
    assert listed.exit_code == 0, listed.output
    assert "1 record requests past theirs (365 days)" in listed.output
    assert count(RecordRequest) == 2

    result = app.test_cli_runner().invoke(retention_command, ["--apply"])
    assert result.exit_code == 0, result.output
    assert "Erased 1 record requests" in result.output
    assert set(db.session.scalars(select(RecordRequest.id))) == {recent_id}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).one()
    assert (event.record_type, event.record_id) == ("record_request", str(old_id))
    assert "old@example.org" not in (event.detail or "")
