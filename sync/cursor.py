"""Opaque cursors for pulling changes: a sequence number the client must
not read into, so the format can change (the "c1:" prefix) without breaking
phones."""
from __future__ import annotations

import base64
import binascii
import re

_PREFIX = "c1:"
# Fits a PostgreSQL bigint; the cursor text for it is 30 characters.
MAX_SEQ = 2**63 - 1
_MAX_TEXT = 32
_PAYLOAD = re.compile(r"c1:(0|[1-9][0-9]{0,18})", re.ASCII)


class InvalidCursor(ValueError):
    """The cursor text was not made by encode_cursor."""


def encode_cursor(seq: int) -> str:
    """Encode sequence number ``seq`` (0..2**63-1) as URL-safe text."""
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= MAX_SEQ:
        raise ValueError(f"cursor sequence out of range: {seq!r}")
    return base64.urlsafe_b64encode(f"{_PREFIX}{seq}".encode("ascii")).rstrip(b"=").decode("ascii")


def decode_cursor(text: str | None) -> int:
    """Return the sequence number in ``text``; None or "" means from the start (0).

    Raises InvalidCursor for anything encode_cursor would not have produced.
    """
    if text is None or text == "":
        return 0
    if not isinstance(text, str) or len(text) > _MAX_TEXT or not text.isascii():
        raise InvalidCursor("invalid cursor")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise InvalidCursor("invalid cursor") from None
    match = _PAYLOAD.fullmatch(raw.decode("ascii", errors="replace"))
    if match is None:
        raise InvalidCursor("invalid cursor")
    seq = int(match.group(1))
    # Only the one canonical spelling (no padding, no stray trailing bits).
    if seq > MAX_SEQ or encode_cursor(seq) != text:
        raise InvalidCursor("invalid cursor")
    return seq
