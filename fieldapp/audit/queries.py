"""Searching the audit log: filters, one page at a time, and the batches an export streams.

Plain functions (no request): the pages and the export share them. Every
list is newest first by id, paged by keyset on the id, never by OFFSET.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Row, Select, select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, User

EXPORT_BATCH = 1000


@dataclass(frozen=True)
class AuditFilters:
    """What to look for; every filter given must match (they combine with AND)."""

    actor_id: int | None = None
    actor: str | None = None  # the username asked for, for describing the search
    record_type: str | None = None
    record_id: str | None = None
    action: str | None = None
    date_from: date | None = None  # UTC days, both inclusive
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


def _day_start(day: date) -> datetime:
    """Midnight UTC at the start of ``day``."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def filtered(filters: AuditFilters) -> Select:
    """The events matching ``filters`` with their actor's username, newest first (one query, no N+1)."""
    query = (
        select(AuditEvent.id, AuditEvent.at, AuditEvent.action, AuditEvent.record_type, AuditEvent.record_id,
               AuditEvent.device_id, AuditEvent.remote_addr, AuditEvent.detail, AuditEvent.actor_id,
               User.username.label("actor_username"))
        .outerjoin(User, AuditEvent.actor_id == User.id)
        .order_by(AuditEvent.id.desc())
    )
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.record_type:
        query = query.where(AuditEvent.record_type == filters.record_type)
    if filters.record_id:
        query = query.where(AuditEvent.record_id == filters.record_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.date_from:
        query = query.where(AuditEvent.at >= _day_start(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEvent.at < _day_start(filters.date_to + timedelta(days=1)))
    return query


def actor_id_for(username: str) -> int | None:
    """The id of the user called ``username`` (any case), or None."""
    return db.session.scalar(select(User.id).where(User.username == username.strip().lower()))


def page(filters: AuditFilters, before_id: int | None, size: int) -> tuple[Sequence[Row], int | None]:
    """Up to ``size`` events older than ``before_id``; and the id to continue before, if there are more."""
    query = filtered(filters)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    rows = db.session.execute(query.limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].id if more else None)


def batches(filters: AuditFilters, size: int | None = None) -> Iterator[Sequence[Row]]:
    """Every matching event in batches of plain rows (keyset on id): memory stays flat however many."""
    size = size or EXPORT_BATCH
    before_id: int | None = None
    while True:
        query = filtered(filters)
        if before_id is not None:
            query = query.where(AuditEvent.id < before_id)
        rows = db.session.execute(query.limit(size)).all()
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        before_id = rows[-1].id
