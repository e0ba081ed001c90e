"""Searching the audit log: filters, one page at a time, and the batches an export streams.

Plain functions (no request): the pages and the export share them. Every
list is newest first by id, paged by keyset on the id, never by OFFSET.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Row, Select, select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, User
from fieldapp.paging import Keyset, keyset_page
from fieldapp.periods import Period

EXPORT_BATCH = 1000
#: Newest first by id: the order of every list of events.
EVENT_ORDER = Keyset("l1", (AuditEvent.id,), (int,), descending=True)


@dataclass(frozen=True)
class AuditFilters:
    """What to look for; every filter given must match (they combine with AND)."""

    actor_id: int | None = None
    actor: str | None = None  # the username asked for, for describing the search
    record_type: str | None = None
    record_id: str | None = None
    action: str | None = None
    date_from: date | None = None  # days on UK time (the pages' clock), both inclusive
    date_to: date | None = None

    def describe(self) -> str:
        """The filters in words, for the audit event that logs their use."""
        parts = [
            f"actor={self.actor}" if self.actor else "",
            f"record_type={self.record_type}" if self.record_type else "",
            f"record_id={self.record_id}" if self.record_id else "",
            f"action={self.action}" if self.action else "",
            f"from={self.date_from.isoformat()}" if self.date_from else "",
            f"to={self.date_to.isoformat()}" if self.date_to else "",
        ]
        return ", ".join(part for part in parts if part) or "none"


def filtered(filters: AuditFilters) -> Select:
    """The events matching ``filters`` with their actor's username (one query, no N+1), in no order yet."""
    query = (
        select(AuditEvent.id, AuditEvent.at, AuditEvent.action, AuditEvent.record_type, AuditEvent.record_id,
               AuditEvent.device_id, AuditEvent.remote_addr, AuditEvent.detail, AuditEvent.actor_id,
               User.username.label("actor_username"))
        .outerjoin(User, AuditEvent.actor_id == User.id)
    )
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.record_type:
        query = query.where(AuditEvent.record_type == filters.record_type)
    if filters.record_id:
        query = query.where(AuditEvent.record_id == filters.record_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    # Days on the team's clock, as on every page (the export's times stay in UTC, its column says so).
    return query.where(*Period(filters.date_from, filters.date_to).clauses(AuditEvent.at))


def actor_id_for(username: str) -> int | None:
    """The id of the user called ``username`` (any case), or None."""
    return db.session.scalar(select(User.id).where(User.username == username.strip().lower()))


def page(filters: AuditFilters, before: tuple | None, size: int) -> tuple[Sequence[Row], str | None]:
    """Up to ``size`` events, newest first, older than position ``before``; and the next page's cursor, if any."""
    return keyset_page(filtered(filters), EVENT_ORDER, size, before)


def batches(filters: AuditFilters, size: int | None = None) -> Iterator[Sequence[Row]]:
    """Every matching event in batches of plain rows (keyset on id): memory stays flat however many."""
    size = size or EXPORT_BATCH
    before: tuple | None = None
    while True:
        rows, next_cursor = keyset_page(filtered(filters), EVENT_ORDER, size, before)
        if rows:
            yield rows
        if next_cursor is None:
            return
        before = EVENT_ORDER.position(rows[-1])
