"""Multi-row inserts for the sync hot path, as cheap for Python as the database allows.

On PostgreSQL a batch's rows travel as one JSON array in one parameter and
the server unpacks them with ``jsonb_to_recordset``. The statement's text is
then the same for 1 row or 200, so psycopg prepares it once per connection
and PostgreSQL plans it once, and Python's work is a single ``json.dumps``
instead of adapting every value of every row (a batch of 100 encounters is
some 3,000 values). orjson writes UUIDs, dates and aware datetimes (with
their offset, which ``timestamptz`` reads exactly) as PostgreSQL expects. Elsewhere (SQLite) the rows go through SQLAlchemy's
executemany, which is already cheap there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Table, any_, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite

from fieldapp.extensions import db


def among(column: ColumnElement[Any], values: set[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``, one parameter and one
    statement text whatever the number of values (a long IN list is parsed afresh each time)."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


def _defaults(table: Table, given: Iterable[str]) -> dict[str, Any]:
    """The Python-side defaults (scalar or callable) of the columns not in ``given``."""
    values = {}
    for column in table.c:
        default = column.default
        if column.name in given or default is None or not (default.is_scalar or default.is_callable):
            continue
        values[column.name] = default.arg if default.is_scalar else default.arg(None)
    return values


@cache
def _recordset_insert(table: Table, columns: tuple[str, ...], skip_existing: bool, returning: str | None):
    """INSERT ... SELECT FROM jsonb_to_recordset(:rows) for these columns (made once per shape)."""
    dialect = postgresql.dialect()
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    record = ", ".join(f"{quote(name)} {table.c[name].type.compile(dialect=dialect)}" for name in columns)
    sql = (f"INSERT INTO {quote(table.name)} ({names}) "
           f"SELECT {names} FROM json_to_recordset(CAST(:rows AS json)) AS r({record})")
    if skip_existing:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {quote(returning)}"
    return text(sql)


def insert_rows(table: Table, rows: Sequence[dict[str, Any]], *, skip_existing: bool = False,
                returning: str | None = None) -> list[Any]:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the session's transaction.

    ``skip_existing`` leaves out rows whose key is already stored (ON CONFLICT
    DO NOTHING). Returns the ``returning`` column of the rows inserted, or [].
    Columns a row leaves out get their Python-side default, as with SQLAlchemy's insert().
    """
    if not rows:
        return []
    if db.engine.dialect.name == "postgresql":
        defaults = _defaults(table, rows[0].keys())
        if defaults:
            rows = [{**defaults, **row} for row in rows]
        statement = _recordset_insert(table, tuple(rows[0]), skip_existing, returning)
        result = db.session.execute(statement, {"rows": orjson.dumps(rows).decode()})
    else:
        statement = (sqlite.insert(table).on_conflict_do_nothing() if skip_existing else table.insert())
        if returning:
            statement = statement.returning(table.c[returning])
        result = db.session.execute(statement, list(rows))
    return list(result.scalars()) if returning else []
