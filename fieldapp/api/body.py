"""Reading a JSON request body safely: type, size and syntax checked before anything else."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from fieldapp.api.errors import ApiError
from fieldapp.errors import read_once


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def json_body(max_bytes: int) -> Any:
    """The decoded body, or ApiError 415 (not JSON), 413 (too large) or 400 (malformed)."""
    if request.mimetype != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as JSON with 'Content-Type: application/json'.")
    length = request.content_length
    if length is not None and length > max_bytes:
        raise ApiError(413, "too_large", f"The body is {length:,} bytes; the limit is {max_bytes:,} bytes. "
                       "Send fewer entries per request.")
    raw = read_once(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ApiError(413, "too_large", f"The body is over the limit of {max_bytes:,} bytes. "
                       "Send fewer entries per request.")
    try:
        # NaN and Infinity are not JSON; Python would accept them by default.
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        message = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc) or "too deeply nested"
        raise ApiError(400, "invalid_json", f"The body is not valid JSON: {message}.") from None
