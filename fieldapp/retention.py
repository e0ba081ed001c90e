"""Retention: finding the entries kept past their period, and erasing them with each erasure logged.

Periods come from ``app.config["RETENTION_DAYS"]`` (``FIELDAPP_RETENTION_*_DAYS``),
counted from when the entry happened (``occurred_at``). Erasing deletes the
``entries`` row; its content, versions, reviews, conflict copies, photos and
change-feed rows go with it through the foreign keys' ON DELETE CASCADE
(SQLite enforces them: every connection turns foreign keys on), and photo
bytes no other photo uses are deleted from ``photo_blobs`` just after.

A postbox item cannot outlive its visit (``postbox_items.visit_id``), so the
items of a visit being erased are erased first, in the same run, even when
their own period is longer. Each erasure writes an audit event with metadata
only (record type, id, the rule applied), never the content. Audit events
themselves are append-only and never erased here.

Work goes in batches, each its own transaction, so a long run holds no lock
for long and an interrupted run leaves a consistent database to resume from.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import Select, delete, exists, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import aliased

from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.transactions import begin_write
from fieldapp.models import AuditAction, Entry, Photo, PhotoBlob, PostboxItem, RecordRequest
from fieldapp.models.types import utcnow

#: Items before the visits they belong to (the foreign key has no cascade).
ERASE_ORDER = ("postbox_item", "postbox_visit", "encounter")
BATCH_SIZE = 500
ATTEMPTS = 3


@dataclass(frozen=True)
class Due:
    """An entry past its retention period, and why."""

    entry_type: str
    entry_id: uuid.UUID
    occurred_at: datetime
    age_days: int
    reason: str


def retention_days(entry_type: str) -> int:
    """The configured period of ``entry_type``, in days."""
    return int(current_app.config["RETENTION_DAYS"][entry_type])


def _cutoff(entry_type: str, now: datetime) -> datetime:
    """Entries of ``entry_type`` that happened before this are past their period."""
    return now - timedelta(days=retention_days(entry_type))


def _due_statement(entry_type: str, now: datetime) -> Select:
    """Entries of ``entry_type`` to erase, oldest first: past their period (or, for items, their visit's)."""
    statement = select(Entry.id, Entry.occurred_at).where(Entry.type == entry_type)
    own = Entry.occurred_at < _cutoff(entry_type, now)
    if entry_type != "postbox_item":
        return statement.where(own).order_by(Entry.occurred_at, Entry.id)
    visit = aliased(Entry)
    visit_due = (select(visit.id).where(visit.type == "postbox_visit",
                                        visit.occurred_at < _cutoff("postbox_visit", now)))
    return (statement.join(PostboxItem, PostboxItem.entry_id == Entry.id)
            .where(or_(own, PostboxItem.visit_id.in_(visit_due))).order_by(Entry.occurred_at, Entry.id))


def _due(entry_type: str, entry_id: uuid.UUID, occurred_at: datetime, now: datetime) -> Due:
    """Describe one entry to erase, with the rule that applies to it."""
    days = retention_days(entry_type)
    if occurred_at < _cutoff(entry_type, now):
        reason = f"retention: {entry_type} past {days} days"
    else:
        reason = f"retention: erased with its postbox visit (past {retention_days('postbox_visit')} days)"
    return Due(entry_type, entry_id, occurred_at, (now - occurred_at).days, reason)


def due_entries(now: datetime | None = None) -> Iterator[Due]:
    """Every entry past its period, in the order they would be erased (read in batches)."""
    now = now or utcnow()
    for entry_type in ERASE_ORDER:
        rows = db.session.execute(_due_statement(entry_type, now).execution_options(yield_per=BATCH_SIZE))
        for entry_id, occurred_at in rows:
            yield _due(entry_type, entry_id, occurred_at, now)


def _erase_batch(batch: list[Due]) -> None:
    """Log and delete one batch in one transaction, then the photo bytes nobody uses any more."""
    ids = [due.entry_id for due in batch]
    begin_write()
    digests = set(db.session.scalars(select(Photo.sha256).where(Photo.entry_id.in_(ids))))
    for due in batch:
        audit.record(AuditAction.ERASE, "entry", due.entry_id, due.reason)
    db.session.execute(delete(Entry).where(Entry.id.in_(ids)).execution_options(synchronize_session=False))
    db.session.commit()
    _erase_unused_bytes(digests)


def _erase_unused_bytes(digests: set[str]) -> None:
    """Delete the bytes with these digests that no photo uses any more (another entry may share them).

    A photo of the same bytes attached by an upload meanwhile keeps them: the
    foreign key from ``photos`` makes the database refuse the delete, and the
    next attempt, seeing that photo, leaves its bytes alone.
    """
    if not digests:
        return
    unused = delete(PhotoBlob).where(PhotoBlob.sha256.in_(digests),
                                     ~exists().where(Photo.sha256 == PhotoBlob.sha256))
    for _ in range(ATTEMPTS):
        begin_write()
        try:
            db.session.execute(unused.execution_options(synchronize_session=False))
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()


def erase_due(now: datetime | None = None, batch_size: int = BATCH_SIZE,
              report: Callable[[Due], None] | None = None) -> dict[str, int]:
    """Erase every entry past its period, ``batch_size`` at a time; counts erased per type.

    ``report`` is called with each :class:`Due` as it is erased (the command prints them).
    """
    now = now or utcnow()
    erased = dict.fromkeys(ERASE_ORDER, 0)
    for entry_type in ERASE_ORDER:
        while True:
            # Erased rows are gone, so the next batch is simply the first N again (no OFFSET).
            rows = db.session.execute(_due_statement(entry_type, now).limit(batch_size)).all()
            db.session.commit()
            if not rows:
                break
            batch = [_due(entry_type, entry_id, occurred_at, now) for entry_id, occurred_at in rows]
            _erase_batch(batch)
            erased[entry_type] += len(batch)
            for due in batch:
                if report is not None:
                    report(due)
    return erased


def _requests_statement(now: datetime) -> Select:
    """Record requests (a requester's contact details) past their period, counted from the request, oldest first."""
    cutoff = now - timedelta(days=retention_days("record_request"))
    return (select(RecordRequest.id, RecordRequest.requested_at).where(RecordRequest.requested_at < cutoff)
            .order_by(RecordRequest.requested_at, RecordRequest.id))


def _due_request(request_id: int, requested_at: datetime, now: datetime) -> Due:
    days = retention_days("record_request")
    return Due("record_request", request_id, requested_at, (now - requested_at).days,  # type: ignore[arg-type]
               f"retention: record_request past {days} days")


def due_requests(now: datetime | None = None) -> Iterator[Due]:
    """Every record request past its period (answered or not: the requester's details go either way)."""
    now = now or utcnow()
    for request_id, requested_at in db.session.execute(_requests_statement(now)):
        yield _due_request(request_id, requested_at, now)


def erase_due_requests(now: datetime | None = None, batch_size: int = BATCH_SIZE,
                       report: Callable[[Due], None] | None = None) -> int:
    """Erase every record request past its period, each erasure audited; how many."""
    now = now or utcnow()
    erased = 0
    while True:
        begin_write()
        rows = db.session.execute(_requests_statement(now).limit(batch_size)).all()
        if not rows:
            db.session.commit()
            return erased
        batch = [_due_request(request_id, requested_at, now) for request_id, requested_at in rows]
        for due in batch:
            audit.record(AuditAction.ERASE, "record_request", due.entry_id, due.reason)
        db.session.execute(delete(RecordRequest).where(RecordRequest.id.in_([due.entry_id for due in batch]))
                           .execution_options(synchronize_session=False))
        db.session.commit()
        erased += len(batch)
        for due in batch:
            if report is not None:
                report(due)


def _line(due: Due) -> str:
    """One line of the command's listing."""
    return (f"{due.entry_type:<14} {due.entry_id}  {due.occurred_at.isoformat(timespec='seconds')}  "
            f"{due.age_days} days old  ({due.reason.removeprefix('retention: ')})")


@click.command("retention")
@click.option("--apply", "apply_", is_flag=True, help="Erase the entries listed (each erasure is audited).")
@click.option("--batch-size", default=BATCH_SIZE, show_default=True, type=click.IntRange(1, 10000),
              help="Entries erased per transaction.")
@with_appcontext
def retention_command(apply_: bool, batch_size: int) -> None:
    """List the entries kept past their retention period; with --apply, erase them."""
    periods = ", ".join(f"{t} {retention_days(t)} days" for t in ERASE_ORDER)
    try:
        if not apply_:
            count = requests = 0
            for due in due_entries():
                click.echo(_line(due))
                count += 1
            for due in due_requests():
                click.echo(_line(due))
                requests += 1
            db.session.rollback()
            click.echo(f"{count} entries past their retention period ({periods}).")
            click.echo(f"{requests} record requests past theirs ({retention_days('record_request')} days).")
            if count or requests:
                click.echo("Run 'fieldapp retention --apply' to erase them.")
            return
        erased = erase_due(batch_size=batch_size, report=lambda due: click.echo(f"erased {_line(due)}"))
        requests = erase_due_requests(batch_size=batch_size, report=lambda due: click.echo(f"erased {_line(due)}"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise click.ClickException(f"cannot use the database: {reason}") from None
    total = sum(erased.values())
    detail = ", ".join(f"{n} {t}" for t, n in erased.items() if n)
    click.echo(f"Erased {total} entries past their retention period ({detail or 'none'}); "
               "each erasure is in the audit log.")
    click.echo(f"Erased {requests} record requests past their retention period.")
