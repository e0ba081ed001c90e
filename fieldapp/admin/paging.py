"""Opaque keyset cursors for the admin and audit list pages.

A cursor is the sort key of the last row shown, base64-encoded so that
people treat it as a token, not as a value to edit. It is not signed: any
value is only a position in the list, so a forged one shows nothing new.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from flask import abort, request
from sqlalchemy import Select

from fieldapp.extensions import db


class BadCursor(ValueError):
    """The cursor was not made by :func:`encode_cursor`."""


def encode_cursor(key: str | int) -> str:
    """The cursor for 'rows after ``key``'."""
    return base64.urlsafe_b64encode(json.dumps([key]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: type) -> str | int:
    """The key inside ``cursor``, which must be of type ``kind`` (str or int). Raises BadCursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor("That page link is not valid. Start again from the first page.") from None
    if not (isinstance(value, list) and len(value) == 1 and type(value[0]) is kind):
        raise BadCursor("That page link is not valid. Start again from the first page.")
    # Keep keys inside what the database can compare (BIGINT; short strings).
    if kind is int and not 0 <= value[0] < 2**63 or kind is str and len(value[0]) > 200:
        raise BadCursor("That page link is not valid. Start again from the first page.")
    return value[0]


def cursor_arg(name: str, kind: type) -> str | int | None:
    """The key in the request's cursor argument ``name``; None without one; a 400 page when it is not valid."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return decode_cursor(raw, kind)
    except BadCursor as error:
        abort(400, description=str(error))


def keyset_page(query: Select, column: Any, size: int) -> tuple[list, str | None]:
    """One page of ``query`` in ``column`` order (a unique string) after the request's ``after`` cursor,
    and the cursor of the next page (None on the last)."""
    after = cursor_arg("after", str)
    if after is not None:
        query = query.where(column > after)
    rows = db.session.execute(query.order_by(column).limit(size + 1)).all()
    more = len(rows) > size
    return rows[:size], encode_cursor(getattr(rows[size - 1], column.key)) if more else None
