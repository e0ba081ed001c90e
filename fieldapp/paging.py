"""Keyset paging: every list page and API list reads one page at a time through this module.

A list has a fixed order on columns that together are unique (a
:class:`Keyset`). A page is the rows after a position in that order, found
by an index range scan however deep the page (never OFFSET). Each page reads
one row more than it shows: that row says whether another page follows,
without counting. The position travels in links as an opaque cursor made by
``sync.cursor``'s codec; it is not signed: any value is only a position in a
list the reader may see anyway, so a forged one shows nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, request
from sqlalchemy import ColumnElement, Select, tuple_

from fieldapp.extensions import db
from sync.cursor import InvalidCursor, decode_key, encode_key

__all__ = ["BAD_PAGE_LINK", "InvalidCursor", "Keyset", "cursor_arg", "fetch_page", "keyset_page"]

#: What a person sees for a page link this server did not make.
BAD_PAGE_LINK = "That page link is not valid. Start again from the first page."

Row = TypeVar("Row")


@dataclass(frozen=True)
class Keyset:
    """A list's order, and the tag of its cursors.

    ``columns`` together are unique (the last is usually the primary key),
    ``kinds`` are their Python types (int, str, datetime, uuid.UUID), and the
    whole order runs one way: ``descending`` for newest first.
    """

    tag: str
    columns: tuple[Any, ...]
    kinds: tuple[type, ...]
    descending: bool = False

    def order(self) -> list[ColumnElement[Any]]:
        """The ORDER BY of the list."""
        return [column.desc() if self.descending else column.asc() for column in self.columns]

    def beyond(self, position: tuple) -> ColumnElement[bool]:
        """The rows after ``position`` in the list's order (a row comparison: one index range)."""
        key = self.columns[0] if len(self.columns) == 1 else tuple_(*self.columns)
        value = position[0] if len(self.columns) == 1 else position
        return key < value if self.descending else key > value

    def position(self, row: Any) -> tuple:
        """Where ``row`` stands: its values of the sort columns (read by the columns' keys)."""
        return tuple(getattr(row, column.key) for column in self.columns)

    def cursor(self, position: tuple) -> str:
        """The opaque text of ``position``."""
        return encode_key(self.tag, position)

    def read(self, text: str) -> tuple:
        """The position in cursor ``text``; InvalidCursor (saying so to people) for any text not made here."""
        try:
            return decode_key(text, self.tag, self.kinds)
        except InvalidCursor:
            raise InvalidCursor(BAD_PAGE_LINK) from None


def fetch_page(fetch: Callable[[int], Sequence[Row]], size: int) -> tuple[list[Row], bool]:
    """Up to ``size`` rows from ``fetch(limit)``, and whether more follow (it is asked for one row extra)."""
    rows = list(fetch(size + 1))
    return rows[:size], len(rows) > size


def keyset_page(query: Select, keyset: Keyset, size: int, after: tuple | None = None, *,
                position: Callable[[Any], tuple] | None = None) -> tuple[list, str | None]:
    """One page of ``query`` in ``keyset`` order after position ``after`` (None: the first page),
    and the cursor of the next page (None on the last).

    ``position`` finds a row's place when the sort columns are not attributes of the row itself
    (rows of whole entities); by default it is :meth:`Keyset.position`.
    """
    if after is not None:
        query = query.where(keyset.beyond(after))
    query = query.order_by(*keyset.order())
    rows, more = fetch_page(lambda limit: db.session.execute(query.limit(limit)).all(), size)
    if not more:
        return rows, None
    return rows, keyset.cursor((position or keyset.position)(rows[-1]))


def cursor_arg(name: str, keyset: Keyset) -> tuple | None:
    """The position in the request's cursor argument ``name``; None without one; a 400 page for a bad one."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return keyset.read(raw)
    except InvalidCursor as error:
        abort(400, description=str(error))
