"""Opaque cursors: a position in an ordered list, as URL-safe text the client must not read into.

One codec serves every cursor the server hands out. A position is a tuple of
sort-key values (whole numbers, text, aware datetimes, UUIDs); its cursor is
``<tag>:<value>|<value>...`` in unpadded URL-safe base64. The tag names the
list and the version of its format, so either can change without a cursor
made for one being read as another. Decoding is strict: only the one spelling
:func:`encode_key` produces is accepted, anything else is :class:`InvalidCursor`.

The pull cursor of the sync protocol is ``c1:<seq>``; phones store it, so
its text must never change (:func:`encode_cursor`, :func:`decode_cursor`).
"""
from __future__ import annotations

import base64
import binascii
import re
import uuid
from datetime import datetime

#: The largest whole number a cursor holds: it fits a PostgreSQL bigint.
MAX_INT = 2**63 - 1
#: The longest text value a cursor holds (a username, a postbox label).
MAX_STR = 200
#: The longest cursor text read (a timestamp and a UUID take 120 characters; a long label more).
MAX_TEXT = 1200
_INT = re.compile(r"0|[1-9][0-9]{0,18}", re.ASCII)
_TAG = re.compile(r"[a-z][a-z0-9]*", re.ASCII)

_PULL_TAG = "c1"
#: The pull cursor for the largest sequence number is 30 characters.
_PULL_TEXT = 32
MAX_SEQ = MAX_INT


class InvalidCursor(ValueError):
    """The cursor text was not made by this codec for this list."""


def _format(value: object, last: bool) -> str:
    """One sort-key value as cursor text; ValueError for a value no cursor can hold."""
    if isinstance(value, bool) or not isinstance(value, int | str | datetime | uuid.UUID):
        raise ValueError(f"a cursor cannot hold {value!r}")
    if isinstance(value, int):
        if not 0 <= value <= MAX_INT:
            raise ValueError(f"cursor number out of range: {value!r}")
        return str(value)
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            raise ValueError(f"a cursor's datetime needs a UTC offset: {value!r}")
        return value.isoformat()
    text = str(value)
    # Only the last value may contain the separator: the decoder splits at most len(kinds) - 1 times.
    if isinstance(value, str) and (len(text) > MAX_STR or (not last and "|" in text)):
        raise ValueError(f"a cursor cannot hold the text {value[:40]!r}")
    return text


def _parse(kind: type, text: str) -> object:
    """The value of ``kind`` written as ``text``; ValueError when it is not one."""
    if kind is int:
        if not _INT.fullmatch(text) or int(text) > MAX_INT:
            raise ValueError(text)
        return int(text)
    if kind is str:
        if len(text) > MAX_STR:
            raise ValueError(text)
        return text
    if kind is datetime:
        moment = datetime.fromisoformat(text)
        if moment.utcoffset() is None:
            raise ValueError(text)
        return moment
    if kind is uuid.UUID:
        return uuid.UUID(text)
    raise TypeError(f"a cursor cannot hold a {kind.__name__}")


def encode_key(tag: str, values: tuple) -> str:
    """The cursor of position ``values`` in the list tagged ``tag``; ValueError for values it cannot hold."""
    if not _TAG.fullmatch(tag) or not values:
        raise ValueError(f"bad cursor tag or empty position: {tag!r}, {values!r}")
    body = "|".join(_format(value, last=n == len(values) - 1) for n, value in enumerate(values))
    return base64.urlsafe_b64encode(f"{tag}:{body}".encode()).rstrip(b"=").decode("ascii")


def decode_key(text: object, tag: str, kinds: tuple[type, ...], max_text: int = MAX_TEXT) -> tuple:
    """The position in cursor ``text`` of the list tagged ``tag``, one value of each of ``kinds``.

    Raises InvalidCursor for anything :func:`encode_key` would not have produced for that list.
    """
    if not isinstance(text, str) or not text.isascii() or len(text) > max_text:
        raise InvalidCursor("invalid cursor")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True).decode("utf-8")
        head, colon, body = raw.partition(":")
        parts = body.split("|", len(kinds) - 1)
        if head != tag or not colon or len(parts) != len(kinds):
            raise ValueError(raw)
        values = tuple(_parse(kind, part) for kind, part in zip(kinds, parts, strict=True))
        # Only the one canonical spelling (no padding, no stray trailing bits, no other way to write a value).
        if encode_key(tag, values) != text:
            raise ValueError(raw)
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        raise InvalidCursor("invalid cursor") from None
    return values


def encode_cursor(seq: int) -> str:
    """The pull cursor for sequence number ``seq`` (0..2**63-1)."""
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= MAX_SEQ:
        raise ValueError(f"cursor sequence out of range: {seq!r}")
    return encode_key(_PULL_TAG, (seq,))


def decode_cursor(text: str | None) -> int:
    """The sequence number in pull cursor ``text``; None or "" means from the start (0).

    Raises InvalidCursor for anything encode_cursor would not have produced.
    """
    if text is None or text == "":
        return 0
    return decode_key(text, _PULL_TAG, (int,), max_text=_PULL_TEXT)[0]
