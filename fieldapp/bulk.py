"""Multi-row inserts for the sync hot path, as cheap for Python as the database allows.

On PostgreSQL a batch's rows travel as one JSON array in one parameter and
the server unpacks them with ``json_to_recordset``. The statement's text is
then the same for 1 row or 200, so psycopg prepares it once per connection
and PostgreSQL plans it once, and Python's work is one ``orjson.dumps``
instead of adapting every value of every row (a batch of 100 encounters is
some 3,000 values). orjson writes UUIDs, dates and aware datetimes (with
their offset, which ``timestamptz`` reads exactly) as PostgreSQL expects.
Elsewhere (SQLite) the rows go through SQLAlchemy's executemany, which is
already cheap there.

:func:`insert_together` goes one step further for rows that belong together
(an entry, its content, its version and its audit event): on PostgreSQL they
are a single statement, so one round trip instead of four.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Table, TextClause, any_, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite

from fieldapp.extensions import db

#: For writing PostgreSQL statement text (quoting, column types) without a connection.
_POSTGRESQL = postgresql.dialect()


def among(column: ColumnElement[Any], values: set[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``, one parameter and one
    statement text whatever the number of values (a long IN list is parsed afresh each time)."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


@cache
def _defaulted_columns(table: Table) -> tuple[tuple[str, Any], ...]:
    """The columns of ``table`` with a Python-side default (scalar or callable), and the default."""
    return tuple((column.name, column.default) for column in table.c
                 if column.default is not None and (column.default.is_scalar or column.default.is_callable))


def _defaults(table: Table, given: Iterable[str]) -> dict[str, Any]:
    """The Python-side defaults of the columns not in ``given`` (callables called now)."""
    return {name: default.arg if default.is_scalar else default.arg(None)
            for name, default in _defaulted_columns(table) if name not in given}


@dataclass(frozen=True)
class Rows:
    """Rows for one table (dicts with the same keys); ``skip_existing`` is ON CONFLICT DO NOTHING."""

    table: Table
    rows: Sequence[dict[str, Any]]
    skip_existing: bool = False


@cache
def recordset_insert_sql(table: Table, columns: tuple[str, ...], skip_existing: bool, returning: str | None,
                         parameter: str) -> str:
    """INSERT ... SELECT FROM json_to_recordset(:parameter) for these columns (made once per shape)."""
    quote = _POSTGRESQL.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    record = ", ".join(f"{quote(name)} {table.c[name].type.compile(dialect=_POSTGRESQL)}" for name in columns)
    sql = (f"INSERT INTO {quote(table.name)} ({names}) "
           f"SELECT {names} FROM json_to_recordset(CAST(:{parameter} AS json)) AS r({record})")
    if skip_existing:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {quote(returning)}"
    return sql


def _with_defaults(part: Rows) -> list[dict[str, Any]]:
    defaults = _defaults(part.table, part.rows[0].keys())
    return [{**defaults, **row} for row in part.rows] if defaults else list(part.rows)


def insert_together(first: Rows, *more: Rows, returning: str | None = None) -> list[Any]:
    """Insert the rows of every part in the session's transaction; parts without rows are skipped.

    Returns the ``returning`` column of the rows ``first`` inserted (those not
    skipped as existing), or [] without ``returning``. Columns a row leaves out
    get their Python-side default, as with SQLAlchemy's insert(). Parts may
    refer to earlier ones (a content row to its entry): on PostgreSQL they are
    one statement, each part a data-modifying WITH query whose foreign keys
    are checked when the whole statement ends; elsewhere one statement each,
    in order.
    """
    parts = [part for part in (first, *more) if part.rows]
    if not first.rows:
        returning = None
    if not parts:
        return []
    if db.engine.dialect.name != "postgresql":
        ids: list[Any] = []
        for part in parts:
            statement = (sqlite.insert(part.table).on_conflict_do_nothing() if part.skip_existing
                         else part.table.insert())
            if returning and part is first:
                ids = list(db.session.scalars(statement.returning(part.table.c[returning]), list(part.rows)))
            else:
                db.session.execute(statement, list(part.rows))
        return ids
    params, queries = {}, []
    for number, part in enumerate(parts):
        rows = _with_defaults(part)
        name = f"rows{number}"
        params[name] = orjson.dumps(rows).decode()
        queries.append(recordset_insert_sql(part.table, tuple(rows[0]), part.skip_existing,
                                            returning if part is first else None, name))
    if len(queries) == 1:
        sql = queries[0]
    else:
        # The last part is the main statement unless the first one's ids are wanted.
        ctes = [f"part{n} AS ({query})" for n, query in enumerate(queries[:-1] if not returning else queries)]
        main = f"SELECT {_POSTGRESQL.identifier_preparer.quote(returning)} FROM part0" if returning \
            else queries[-1]
        sql = f"WITH {', '.join(ctes)} {main}"
    result = db.session.execute(_text(sql), params)
    return list(result.scalars()) if returning else []


@cache
def _text(sql: str) -> TextClause:
    return text(sql)


def insert_rows(table: Table, rows: Sequence[dict[str, Any]], *, skip_existing: bool = False,
                returning: str | None = None) -> list[Any]:
    """Insert ``rows`` (dicts with the same keys) into ``table``: :func:`insert_together` with one part."""
    return insert_together(Rows(table, rows, skip_existing), returning=returning)
