"""Storing a pushed batch exactly once: the database side of the sync protocol.

The decisions (created, duplicate, updated, conflict, rejected) come from
``sync``; this module finds what is stored, applies the decisions with
set-based SQL (one query for what exists, one multi-row insert per table,
all in one statement on PostgreSQL: see ``fieldapp.bulk``)
and lets the database settle races: entries are inserted with ON CONFLICT DO
NOTHING, edits update only the version they were based on, and a batch that
lost a race to another process is rolled back and decided again against
what that process committed.

References stay inside the author's team: a visit names one of the team's
postboxes, and a card one of the team's visits (or the author's own). A
reference outside gets the same answer as one to nothing at all, so that
a push never tells whether another team's id exists.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError

from fieldapp import bulk
from fieldapp.audit import operations as audit
from fieldapp.api.changes import record_changes
from fieldapp.extensions import db
from fieldapp.transactions import begin_write
from fieldapp.models import (
    AuditAction,
    ConflictCopy,
    Encounter,
    Entry as EntryRow,
    EntryVersion,
    Placement,
    Postbox,
    PostboxItem,
    PostboxItemTopic,
    PostboxVisit,
    ReviewState,
    Section60Authorisation,
)
from fieldapp.models.types import utcnow
from fieldapp.reference import reference_lists
from sync import Entry, Status, Stored, ValidationContext, decide, validate_entry
from sync.fields import MAX_INT32

# Visits first so the items of the same batch can point at them.
APPLY_ORDER = {"postbox_visit": 0, "encounter": 1, "postbox_item": 2}
CONTENT_TABLES = {"encounter": Encounter.__table__, "postbox_visit": PostboxVisit.__table__,
                  "postbox_item": PostboxItem.__table__}
CONTENT_COLUMNS = {kind: frozenset(table.c.keys()) - {"entry_id", "placement_id"}
                   for kind, table in CONTENT_TABLES.items()}
ATTEMPTS = 3


class Busy(Exception):
    """The batch kept losing races to other writers; the client should retry it."""


@dataclass(frozen=True)
class Author:
    """Who pushed: the token's user and device, and their team."""

    user_id: int
    team_id: int
    device_id: int | None


@dataclass
class _Known:
    """What is stored (or being stored by this batch) under one id."""

    author_id: int
    current: int
    hashes: dict[int, str]
    type: str


@dataclass
class _Plan:
    """The writes one batch decided on."""

    created: list[Entry] = field(default_factory=list)
    updated: list[Entry] = field(default_factory=list)
    conflicts: list[Entry] = field(default_factory=list)


class _LostRace(Exception):
    """Another transaction stored one of our ids, or moved one of our entries, first: decide again.

    Only :func:`push` catches it; :func:`resolve_conflict` holds the entry's row lock and reads
    it afresh, so it never loses this race.
    """


def push(raw_entries: Sequence[Any], author: Author) -> list[dict[str, Any]]:
    """Validate, decide and store a batch; one result per entry, in the order sent."""
    now = utcnow()
    for _ in range(ATTEMPTS):
        try:
            return _push_once(raw_entries, author, now)
        except _LostRace:
            db.session.rollback()
        except IntegrityError as exc:
            db.session.rollback()
            if not _is_duplicate_key(exc):
                raise  # a bug, not a race: retrying would hide it
    raise Busy


def _is_duplicate_key(exc: IntegrityError) -> bool:
    """Whether the database refused a row because another transaction stored the same key."""
    orig = exc.orig
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)


def _push_once(raw_entries: Sequence[Any], author: Author, now: datetime) -> list[dict[str, Any]]:
    begin_write()
    # Only a visit names a postbox (one of the author's team's): skip the query for batches without one.
    has_visit = any(isinstance(raw, dict) and raw.get("type") == "postbox_visit" for raw in raw_entries)
    postboxes = team_postboxes(author.team_id) if has_visit else None
    ctx = ValidationContext(reference_lists(), now, postboxes,
                            team_section60_windows(author.team_id, _named_authorisations(raw_entries)))
    results: list[dict[str, Any] | None] = [None] * len(raw_entries)
    valid: list[tuple[int, Entry]] = []
    for index, raw in enumerate(raw_entries):
        entry, errors = validate_entry(raw, ctx)
        if entry is None:
            results[index] = _rejected(raw, errors)
        else:
            valid.append((index, entry))
    valid = _refuse_taken_receipt_refs(valid, results)
    valid.sort(key=lambda pair: (APPLY_ORDER[pair[1].type], pair[1].version))

    visit_ids = {entry.values["visit_id"] for _, entry in valid if entry.type == "postbox_item"}
    _lock_ids({entry.id for _, entry in valid} | visit_ids)
    known = _stored_state([entry.id for _, entry in valid])
    visits = stored_visits(visit_ids, author)
    plan = _Plan()
    for index, entry in valid:
        results[index] = _decide(entry, author, known, visits, plan)

    _write(plan, author, now, visits)
    db.session.commit()
    return results  # type: ignore[return-value]


def _lock_ids(ids: set[uuid.UUID]) -> None:
    """PostgreSQL: take a transaction-scoped advisory lock per id, in one order for everyone.

    A concurrent push of the same ids (or of the visit an item points at)
    then waits here until the other commits, and reads what it stored,
    instead of racing it (KoboToolbox locks per submission uuid the same way).
    SQLite needs none: its write transactions already run one at a time.
    """
    if not ids or db.engine.dialect.name != "postgresql":
        return
    keys = sorted({int.from_bytes(entry_id.bytes[:8], "big", signed=True) for entry_id in ids})
    db.session.execute(
        text("SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS ids"),
        {"keys": keys},
    )


def _rejected(raw: Any, errors: dict[str, str]) -> dict[str, Any]:
    entry_id = raw.get("id") if isinstance(raw, dict) else None
    version = raw.get("version") if isinstance(raw, dict) else None
    return {
        "id": entry_id if isinstance(entry_id, str) and len(entry_id) <= 64 else None,
        "status": str(Status.REJECTED),
        "version": version if type(version) is int and 0 <= version <= MAX_INT32 else None,
        "errors": errors,
    }


def team_postboxes(team_id: int) -> set[int]:
    """The ids of the postboxes of team ``team_id``: the ones its visits may name."""
    return set(db.session.scalars(select(Postbox.id).where(Postbox.team_id == team_id)))


#: The answer to a search whose receipt reference another search already has.
RECEIPT_REF_TAKEN = ("Another search already has this receipt reference. Make a new receipt for this search "
                     "(a new reference) and send it again.")


def _refuse_taken_receipt_refs(valid: list[tuple[int, Entry]],
                               results: list[dict[str, Any] | None]) -> list[tuple[int, Entry]]:
    """Reject, per entry, a search whose receipt reference belongs to another entry; return the others.

    A reference belongs to the entry that has it stored, else to the first entry of the batch that
    names it. Versions of one entry (a re-send, an edit) may name their own reference again. A reference
    stored for an entry stays its own for the whole batch, even if an edit in the batch changes it,
    so that two rows never hold it at once. A concurrent push that stores the same reference first
    makes ours fail on the unique index: :func:`push` then decides again and lands here.
    """
    refs = {entry.values.get("receipt_ref") for _, entry in valid if entry.type == "encounter"} - {None}
    if not refs:
        return valid
    encounters = Encounter.__table__.c
    owners: dict[str, uuid.UUID] = dict(db.session.execute(
        select(encounters.receipt_ref, encounters.entry_id).where(bulk.among(encounters.receipt_ref, refs))).all())
    kept = []
    for index, entry in valid:
        ref = entry.values.get("receipt_ref") if entry.type == "encounter" else None
        if ref is not None and owners.setdefault(ref, entry.id) != entry.id:
            results[index] = _rejected({"id": str(entry.id), "version": entry.version},
                                       {"receipt_ref": RECEIPT_REF_TAKEN})
        else:
            kept.append((index, entry))
    return kept


def _named_authorisations(raw_entries: Sequence[Any]) -> set[str]:
    """The section 60 authorisations the batch's encounters name (as the validator will read them)."""
    names = set()
    for raw in raw_entries:
        data = raw.get("data") if isinstance(raw, dict) else None
        name = data.get("section60_authorisation") if isinstance(data, dict) else None
        if isinstance(name, str) and name.strip():
            names.add(name.strip())
    return names


def team_section60_windows(team_id: int, names: set[str]) -> dict[str, list[tuple[datetime, datetime]]]:
    """The periods of the team's section 60 authorisations named ``names``: the ones its searches may name.

    Another team's authorisation is left out, as if it did not exist. No names, no query.
    """
    windows: dict[str, list[tuple[datetime, datetime]]] = {}
    if not names:
        return windows
    rows = db.session.execute(
        select(Section60Authorisation.reference, Section60Authorisation.starts_at, Section60Authorisation.ends_at)
        .where(Section60Authorisation.team_id == team_id, Section60Authorisation.reference.in_(names)))
    for reference, starts_at, ends_at in rows:
        windows.setdefault(reference, []).append((starts_at, ends_at))
    return windows


def _stored_state(ids: list[uuid.UUID]) -> dict[uuid.UUID, _Known]:
    """One query: author, type, current version and every version's hash of the ids that exist."""
    known: dict[uuid.UUID, _Known] = {}
    if not ids:
        return known
    entries, versions = EntryRow.__table__.c, EntryVersion.__table__.c  # Core columns: no ORM on the hot path
    rows = db.session.execute(
        select(entries.id, entries.author_id, entries.type, entries.version, versions.version,
               versions.content_hash)
        .join_from(EntryRow.__table__, EntryVersion.__table__, versions.entry_id == entries.id)
        .where(bulk.among(entries.id, set(ids)))
    )
    for entry_id, author_id, entry_type, current, version, content_hash in rows:
        known.setdefault(entry_id, _Known(author_id, current, {}, entry_type)).hashes[version] = content_hash
    return known


def stored_visits(ids: set[uuid.UUID], author: Author | None = None) -> dict[uuid.UUID, datetime]:
    """When each stored visit happened, for the items that point at them.

    Given ``author``, only the visits a card of theirs may name: their team's, or their own (made
    before they changed team). Another team's visit is left out, as if it did not exist.
    """
    if not ids:
        return {}
    visits, entries = PostboxVisit.__table__.c, EntryRow.__table__.c
    query = select(visits.entry_id, visits.visited_at).where(bulk.among(visits.entry_id, ids))
    if author is not None:
        query = (query.join_from(PostboxVisit.__table__, EntryRow.__table__, entries.id == visits.entry_id)
                 .where((entries.team_id == author.team_id) | (entries.author_id == author.user_id)))
    rows = db.session.execute(query)
    return {entry_id: visited_at for entry_id, visited_at in rows}


def _decide(entry: Entry, author: Author, known: dict[uuid.UUID, _Known],
            visits: dict[uuid.UUID, datetime], plan: _Plan) -> dict[str, Any]:
    """Decide one entry against what is stored plus what this batch already applied."""
    result: dict[str, Any] = {"id": str(entry.id)}
    if entry.type == "postbox_item" and entry.values["visit_id"] not in visits:
        result.update(status=str(Status.REJECTED), version=entry.version, errors={
            "visit_id": "The visit this item belongs to is not on the server and not in this batch. "
                        "Send the visit first (or in the same batch)."})
        return result
    state = known.get(entry.id)
    stored = None if state is None else Stored(state.author_id, state.current, state.hashes.get(entry.version),
                                               state.type)
    status, errors = decide(entry, stored, author.user_id)
    result["status"] = str(status)
    if status is Status.CREATED:
        plan.created.append(entry)
        known[entry.id] = _Known(author.user_id, entry.version, {entry.version: entry.content_hash}, entry.type)
        result["version"] = entry.version
    elif status is Status.UPDATED:
        plan.updated.append(entry)
        state.current = entry.version
        state.hashes[entry.version] = entry.content_hash
        result["version"] = entry.version
    elif status is Status.DUPLICATE:
        result["version"] = state.current
    elif status is Status.CONFLICT:
        plan.conflicts.append(entry)
        result.update(version=entry.version, current_version=state.current, errors=errors)
    else:
        result.update(version=entry.version, errors=errors)
    if entry.type == "postbox_visit" and status in (Status.CREATED, Status.UPDATED, Status.DUPLICATE):
        visits[entry.id] = entry.values["visited_at"]
    return result


def _offset_minutes(moment: datetime) -> int:
    return int(moment.utcoffset().total_seconds() // 60)


def _occurred_at(entry: Entry, visits: dict[uuid.UUID, datetime]) -> datetime:
    if entry.type == "encounter":
        return entry.values["occurred_at"]
    if entry.type == "postbox_visit":
        return entry.values["visited_at"]
    return visits.get(entry.values["visit_id"]) or entry.captured_at


def content_rows(entries: list[Entry]) -> tuple[dict[str, list[dict]], list[dict]]:
    """Rows for the type tables and the item topics, grouped by type."""
    by_type: dict[str, list[dict]] = {kind: [] for kind in CONTENT_TABLES}
    topics: list[dict] = []
    placements = _placements({e.values["postbox_id"] for e in entries if e.type == "postbox_visit"})
    for entry in entries:
        columns = CONTENT_COLUMNS[entry.type]
        row = {name: value for name, value in entry.values.items() if name in columns}
        row["entry_id"] = entry.id
        if entry.type == "postbox_visit":
            row["placement_id"] = _placement_at(placements.get(entry.values["postbox_id"], []),
                                                entry.values["visited_at"])
        elif entry.type == "postbox_item":
            topics.extend({"item_id": entry.id, "topic": topic} for topic in entry.values["topics"])
        by_type[entry.type].append(row)
    return by_type, topics


def _placements(postbox_ids: set[int]) -> dict[int, list[Placement]]:
    if not postbox_ids:
        return {}
    found: dict[int, list[Placement]] = {}
    for place in db.session.scalars(select(Placement).where(Placement.postbox_id.in_(postbox_ids))):
        found.setdefault(place.postbox_id, []).append(place)
    return found


def _placement_at(places: list[Placement], moment: datetime) -> int | None:
    """The placement the box stood at when visited (or its current one)."""
    for place in places:
        if place.placed_from <= moment and (place.placed_to is None or moment < place.placed_to):
            return place.id
    current = [p for p in places if p.placed_to is None]
    return current[0].id if current else None


def entry_row(entry: Entry, author: Author, now: datetime, visits: dict[uuid.UUID, datetime]) -> dict[str, Any]:
    """The ``entries`` row of a new entry."""
    return {"id": entry.id, "type": entry.type, "author_id": author.user_id, "team_id": author.team_id,
            "device_id": author.device_id, "version": entry.version, "captured_at": entry.captured_at,
            "captured_offset_minutes": _offset_minutes(entry.captured_at), "received_at": now,
            "updated_at": now, "occurred_at": _occurred_at(entry, visits), "content_hash": entry.content_hash,
            "review_state": ReviewState.UNREVIEWED.value}


#: The detail of a new entry's 'collect' event.
COLLECTED = "received by sync"


def collect_event_rows(entries: list[Entry]) -> list[dict[str, Any]]:
    """The 'collect' audit events of new entries (actor, device and address: the request's), as rows
    not yet in the chain (bench/ingest.py's ceiling inserts them)."""
    return audit.event_rows(AuditAction.COLLECT, "entry", [e.id for e in entries], COLLECTED)


def version_row(entry: Entry, author: Author, now: datetime) -> dict[str, Any]:
    """The ``entry_versions`` row of an entry's version (a conflict copy's row adds base_version)."""
    return {"entry_id": entry.id, "version": entry.version, "data": entry.data,
            "content_hash": entry.content_hash, "captured_at": entry.captured_at,
            "captured_offset_minutes": _offset_minutes(entry.captured_at), "received_at": now,
            "submitted_by": author.user_id, "device_id": author.device_id}


def _write(plan: _Plan, author: Author, now: datetime, visits: dict[uuid.UUID, datetime]) -> None:
    """Apply the plan: a few multi-row statements, whatever the batch size."""
    if plan.created:
        created = sorted(plan.created, key=lambda e: e.id)  # one lock order for every process
        rows = [entry_row(e, author, now, visits) for e in created]
        by_type, topics = content_rows(created)
        # One statement on PostgreSQL: the entries, their content and first versions. Their 'collect'
        # events are written at commit, when they take their places in the audit chain.
        inserted = bulk.insert_together(
            bulk.Rows(EntryRow.__table__, rows, skip_existing=True),
            *(bulk.Rows(CONTENT_TABLES[kind], content) for kind, content in by_type.items()),
            bulk.Rows(PostboxItemTopic.__table__, topics),
            bulk.Rows(EntryVersion.__table__, [version_row(e, author, now) for e in created]),
            returning="id",
        )
        if len(inserted) != len(rows):
            raise _LostRace
        audit.record_many(AuditAction.COLLECT, "entry", [e.id for e in created], COLLECTED)
    for entry in plan.updated:
        apply_edit(entry, author, now, visits)
    if plan.updated:
        audit.record_many(AuditAction.ALTER, "entry", [e.id for e in plan.updated], "new version by sync")
        record_changes([(author.user_id, e.id, e.type, e.version, None) for e in plan.updated])
    if plan.conflicts:
        rows = [{**version_row(e, author, now), "base_version": e.base_version} for e in plan.conflicts]
        bulk.insert_rows(ConflictCopy.__table__, rows, skip_existing=True)
        audit.record_many(AuditAction.ALTER, "entry", [e.id for e in plan.conflicts], "conflict copy kept")


def apply_edit(entry: Entry, author: Author, now: datetime, visits: dict[uuid.UUID, datetime]) -> None:
    """Move an entry to its next version, only if it is still at the version the edit was based on."""
    moved = db.session.execute(
        update(EntryRow)
        .where(EntryRow.id == entry.id, EntryRow.version == entry.base_version)
        .values(version=entry.version, content_hash=entry.content_hash, updated_at=now,
                captured_at=entry.captured_at, captured_offset_minutes=_offset_minutes(entry.captured_at),
                occurred_at=_occurred_at(entry, visits), review_state=ReviewState.UNREVIEWED.value, device_id=author.device_id)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise _LostRace
    # Update the content row in place: items point at a visit's row, so it cannot be replaced.
    table = CONTENT_TABLES[entry.type]
    by_type, topics = content_rows([entry])
    [row] = by_type[entry.type]
    db.session.execute(update(table).where(table.c.entry_id == entry.id)
                       .values({name: value for name, value in row.items() if name != "entry_id"}))
    if entry.type == "postbox_item":
        db.session.execute(delete(PostboxItemTopic).where(PostboxItemTopic.item_id == entry.id))
        db.session.execute(PostboxItemTopic.__table__.insert(), topics)
    db.session.execute(EntryVersion.__table__.insert(), [version_row(entry, author, now)])
