"""SQL text of CHECK constraints generated from the values fixed in code (sync.vocabulary)."""

from __future__ import annotations

import re
from collections.abc import Iterable

_COLUMN = re.compile(r"[a-z_][a-z0-9_]*")


def in_list(column: str, values: Iterable[str], *, nullable: bool = False) -> str:
    """``column IN ('a', 'b')``, each value quoted as an SQL string literal.

    ``nullable`` lets the column be NULL too (``column IS NULL OR column IN (...)``).
    The text is exactly what migration 0001 wrote by hand, so the models and
    the migrations agree.
    """
    if not _COLUMN.fullmatch(column):
        raise ValueError(f"not a plain column name: {column!r}")
    values = tuple(values)
    if not values or not all(isinstance(value, str) for value in values):
        raise ValueError(f"{column}: expected one or more strings, got {values!r}")
    condition = f"{column} IN ({', '.join(_literal(value) for value in values)})"
    return f"{column} IS NULL OR {condition}" if nullable else condition


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
