"""What each export holds, and writing it as CSV a chunk at a time.

Rows come from one query read through a server-side cursor in batches of
:data:`BATCH_ROWS` (``yield_per``): the server holds one batch and one chunk
of text at a time, whatever the number of rows, and the file is one
consistent snapshot of the database.

Per-type exports carry every column of the type except its restricted
fields (residents' contact details: :data:`fieldapp.access.RESTRICTED_FIELDS`),
which are never exported, whoever asks. Times are in UTC, written with their
offset, and their columns say so (``occurred_at_utc``).

Every text cell goes through :func:`fieldapp.exports.formulas.neutralise`, the
one rule of every CSV the app writes (these files, the national file, the
audit log): text a spreadsheet would run as a formula gets a leading
apostrophe. Which cells are text is decided per column from its type, so the
numbers, times and booleans the app writes (``-1.2343``) stay as they are.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from flask import Response, stream_with_context
from sqlalchemy import ColumnElement, Select, Table, func, select

from fieldapp.access import PERSONAL_DATA_HEADERS, never_exported
from fieldapp.periods import Period
from fieldapp.exports.formulas import neutralise
from fieldapp.exports.national import NATIONAL_COLUMNS, national_date, national_rows
from fieldapp.extensions import db
from fieldapp.models import Encounter, Entry, Placement, Postbox, PostboxItem, PostboxItemTopic, PostboxVisit, User
from fieldapp.models.types import UTCDateTime
from fieldapp.transactions import reads_only

BATCH_ROWS = 1000
CHUNK_ROWS = 500


def stream_rows(statement: Select) -> Iterator[Any]:
    """The rows of ``statement``, fetched :data:`BATCH_ROWS` at a time (never all at once)."""
    result = db.session.execute(statement.execution_options(yield_per=BATCH_ROWS))
    try:
        yield from result
    finally:
        result.close()


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[bytes]:
    """The CSV file as UTF-8 chunks of :data:`CHUNK_ROWS` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate(0)
    yield buffer.getvalue().encode()


def download(chunks: Iterator[bytes], filename: str) -> Response:
    """A streamed CSV attachment; nothing of it is cached on the way.

    Streaming only reads: on SQLite it must not hold the write lock while a
    large file goes out (the audit event was committed before this is called).
    """
    reads_only()
    return Response(stream_with_context(chunks), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', **PERSONAL_DATA_HEADERS})


def cell(value: Any) -> str:
    """One value as CSV text: times in ISO 8601 with offset, True/False, empty for unknown, a list
    joined with ``;``; any other text neutralised (a leading apostrophe where a spreadsheet would see a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, datetime):
        return national_date(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | int | float):
        return str(value)
    if isinstance(value, list):  # a list of values (the grounds warnings shown): one cell, in stored order
        return neutralise(";".join(str(item) for item in value))
    return neutralise(str(value))


def _formatter(column: Any) -> Callable[[Any], str]:
    """The cheapest correct formatter for a column's type, chosen once per export, not per cell."""
    python_type = None
    try:
        python_type = column.type.python_type
    except (AttributeError, NotImplementedError):
        if isinstance(column.type, UTCDateTime):
            python_type = datetime
    if python_type is bool:
        return lambda value: "True" if value else "False"
    if python_type is datetime:
        return national_date
    if python_type in (int, float, uuid.UUID):
        return str
    if python_type is str:
        return neutralise
    return cell


# --------------------------------------------------------------------------
# The national stop-and-search file
# --------------------------------------------------------------------------

def national_statement(period: Period, scope: ColumnElement[bool]) -> Select:
    """The stop and searches in ``period`` (on when they happened) that the user may see."""
    return (
        select(Encounter.search_type, Encounter.occurred_at, Encounter.operation_name, Encounter.latitude,
               Encounter.longitude, Encounter.gender, Encounter.age_range, Encounter.self_defined_ethnicity,
               Encounter.officer_defined_ethnicity, Encounter.legislation, Encounter.object_of_search,
               Encounter.outcome, Encounter.outcome_linked_to_object_of_search,
               Encounter.removal_of_more_than_outer_clothing)
        .join(Entry, Entry.id == Encounter.entry_id)
        .where(Encounter.kind == "stop_search", scope, *period.clauses(Encounter.occurred_at))
        .order_by(Encounter.occurred_at, Encounter.entry_id)
    )


def national_csv(statement: Select) -> Iterator[bytes]:
    """The national file's chunks."""
    return csv_chunks(NATIONAL_COLUMNS, national_rows(stream_rows(statement)))


# --------------------------------------------------------------------------
# One file per type of entry
# --------------------------------------------------------------------------

def _meta() -> list[tuple[str, Any]]:
    """The columns every per-type export starts with: the entry's identity and state."""
    return [("id", Entry.id), ("version", Entry.version), ("author", User.username),
            ("occurred_at", Entry.occurred_at), ("received_at", Entry.received_at),
            ("review_state", Entry.review_state)]


def _content(entry_type: str, table: Table, skip: set[str]) -> list[tuple[str, Any]]:
    """The content columns of ``table`` (holding ``entry_type``), except ``skip`` and what is never exported."""
    left_out = skip | never_exported(entry_type)
    return [(column.name, column) for column in table.c if column.name not in left_out]


def entry_statement(entry_type: str, clauses: list[ColumnElement[bool]]) -> tuple[list[str], Select]:
    """The header and query of the per-type export of ``entry_type``, oldest first."""
    if entry_type == "encounter":
        columns = _meta() + _content(entry_type, Encounter.__table__, {"entry_id", "occurred_at"})
        statement = select(*(c for _, c in columns)).join(Encounter, Encounter.entry_id == Entry.id)
    elif entry_type == "postbox_visit":
        columns = (_meta() + [("postbox", Postbox.label), ("site_name", Placement.site_name)]
                   + _content(entry_type, PostboxVisit.__table__, {"entry_id"}))
        statement = (select(*(c for _, c in columns)).join(PostboxVisit, PostboxVisit.entry_id == Entry.id)
                     .join(Postbox, Postbox.id == PostboxVisit.postbox_id)
                     .outerjoin(Placement, Placement.id == PostboxVisit.placement_id))
    elif entry_type == "postbox_item":
        topics = (select(func.aggregate_strings(PostboxItemTopic.topic, ";"))
                  .where(PostboxItemTopic.item_id == PostboxItem.entry_id).scalar_subquery())
        columns = _meta() + _content(entry_type, PostboxItem.__table__, {"entry_id"}) + [("topics", topics)]
        statement = select(*(c for _, c in columns)).join(PostboxItem, PostboxItem.entry_id == Entry.id)
    else:
        raise ValueError(f"no export for {entry_type!r}")
    statement = (statement.join(User, User.id == Entry.author_id).where(Entry.type == entry_type, *clauses)
                 .order_by(Entry.occurred_at, Entry.id))
    return [_header(name, column) for name, column in columns], statement


def _header(name: str, column: Any) -> str:
    """A column's name in the file: a time's says it is in UTC (``received_at_utc``)."""
    return f"{name}_utc" if isinstance(getattr(column, "type", None), UTCDateTime) else name


def _entry_rows(header: list[str], formatters: list[Callable[[Any], str]],
                rows: Iterable[Any]) -> Iterator[list[str]]:
    """Format each row's cells; topics sorted, so the same data always gives the same file."""
    topics_at = header.index("topics") if "topics" in header else None
    for row in rows:
        values = ["" if value is None else format_(value) for format_, value in zip(formatters, row)]
        if topics_at is not None:  # the database joins them in any order; files should not vary
            # Sorted as stored, then neutralised as one cell (a quote goes before the first topic only).
            values[topics_at] = neutralise(";".join(sorted(filter(None, (row[topics_at] or "").split(";")))))
        yield values


def entry_csv(header: list[str], statement: Select) -> Iterator[bytes]:
    """The per-type file's chunks."""
    formatters = [_formatter(column) for column in statement.selected_columns]
    return csv_chunks(header, _entry_rows(header, formatters, stream_rows(statement)))
