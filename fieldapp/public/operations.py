"""Record requests made on /receipt: stored, limited per address, audited.

The limit (RECEIPT_REQUESTS_PER_HOUR per client address over a rolling hour)
is counted in the database, so it holds across app processes: the audit log
already keeps one COLLECT event per stored request with the address it came
from, and those are what is counted (refusals are logged as consultations,
so they do not count: only requests that were heard do). Counting and storing
happen under one lock per address: SQLite's write lock (``begin_write``), or
on PostgreSQL a transaction-scoped advisory lock on the address, so two
submissions at once cannot both take the last place.

Every address together may make at most ALL_ADDRESSES times that limit an
hour: an address is cheap to change (an IPv6 network hands out billions), and
the cap bounds what a flood can put in supervisors' lists. It applies to
every request alike, matched or not, so it tells nothing about a reference.
(On PostgreSQL the per-address locks do not serialise different addresses,
so a burst may pass this cap by a few.)

Whether the reference matches a search changes what is stored (the entry and
its team, for the supervisors' task) and never what the requester is told.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, text

from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction, AuditEvent, Encounter, Entry, RecordRequest
from fieldapp.public.forms import CONTACT_PREFERENCES, REFERENCE_MAX
from fieldapp.transactions import begin_write
from sync.receipts import normalise

RECORD_TYPE = "record_request"
WINDOW = timedelta(hours=1)
#: Requests from all addresses together, in an hour, as a multiple of one address's limit.
ALL_ADDRESSES = 20
#: The first key of the advisory locks of this module (the two-int form; the second is the address's CRC).
_LOCK_SPACE = 15


@dataclass(frozen=True)
class Received:
    """What happened to a submission: stored (with its id), or refused for the address's limit."""

    request_id: int | None

    @property
    def refused(self) -> bool:
        return self.request_id is None


def _lock_address(remote_addr: str | None) -> None:
    """Take the lock under which this address's requests are counted and stored (until commit)."""
    begin_write()
    if db.engine.dialect.name == "postgresql":
        key = zlib.crc32((remote_addr or "").encode()) - 2**31  # a signed 32-bit int
        db.session.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": _LOCK_SPACE, "b": key})


def requests_from(remote_addr: str | None, now: datetime, *, every_address: bool = False) -> int:
    """How many requests this address (or every address) made in the hour up to ``now`` (their audit events)."""
    clauses = [AuditEvent.record_type == RECORD_TYPE, AuditEvent.action == str(AuditAction.COLLECT),
               AuditEvent.at > now - WINDOW]
    if not every_address:
        clauses.append(AuditEvent.remote_addr.is_(None) if remote_addr is None
                       else AuditEvent.remote_addr == remote_addr[:64])
    return db.session.scalar(select(func.count()).where(*clauses)) or 0


def stored_reference(typed: str) -> str:
    """The reference as stored: its canonical form when it can be one, else as typed (trimmed)."""
    return normalise(typed) or " ".join(typed.split())[:REFERENCE_MAX]


def matching_search(reference: str) -> tuple[object, int] | None:
    """The (entry id, team id) of the stop and search with this receipt reference, or None.

    The lookup runs whatever was typed (a reference that cannot be one matches nothing, since
    searches keep theirs in the canonical form), so that no answer comes back sooner than another.
    """
    typed = normalise(reference) or stored_reference(reference)
    row = db.session.execute(select(Entry.id, Entry.team_id).join(Encounter, Encounter.entry_id == Entry.id)
                             .where(Encounter.receipt_ref == typed)).first()
    return None if row is None else (row[0], row[1])


def contact_text(contact: str, preference: str | None) -> str:
    """The contact details as the supervisor reads them, the preferred way first when one was chosen."""
    labels = dict(CONTACT_PREFERENCES)
    contact = contact.strip()
    return f"Prefers {labels[preference].lower()}: {contact}" if preference in labels else contact


def receive(reference: str, contact: str, preference: str | None, remote_addr: str | None,
            now: datetime) -> Received:
    """Store a request (or refuse it, over the address's limit) and audit it; committed."""
    _lock_address(remote_addr)
    limit = current_app.config["RECEIPT_REQUESTS_PER_HOUR"]
    if requests_from(remote_addr, now) >= limit:
        audit.record(AuditAction.CONSULT, RECORD_TYPE, None,
                     f"record request refused: over the limit of {limit} an hour from this address")
        db.session.commit()
        return Received(None)
    if requests_from(remote_addr, now, every_address=True) >= limit * ALL_ADDRESSES:
        audit.record(AuditAction.CONSULT, RECORD_TYPE, None,
                     f"record request refused: over the limit of {limit * ALL_ADDRESSES} an hour from all addresses")
        db.session.commit()
        return Received(None)
    match = matching_search(reference)
    row = RecordRequest(reference=stored_reference(reference), entry_id=match[0] if match else None,
                        team_id=match[1] if match else None, contact=contact_text(contact, preference),
                        requested_at=now,
                        due_at=now + timedelta(days=current_app.config["RECORD_REQUEST_ANSWER_DAYS"]))
    db.session.add(row)
    db.session.flush()
    request_id = row.id
    audit.record(AuditAction.COLLECT, RECORD_TYPE, request_id,
                 "record request made on /receipt; " + ("matches a search" if match else "no search has this reference"))
    db.session.commit()
    return Received(request_id)
