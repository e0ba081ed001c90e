"""Field parsers: turn one raw JSON value into (clean JSON value, Python value).

Each parser either returns that pair or raises FieldError with one human
sentence. Parsers see only non-blank values: null, "" and [] mean "not
given" and are handled by the caller.
"""
from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sync.validation import ValidationContext

MAX_INT32 = 2**31 - 1
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)

# ASCII only: str patterns would otherwise accept any Unicode digit.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.ASCII | re.IGNORECASE)
# The offset is optional here so that a naive time gets its own message.
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
                       r"(Z|[+-][0-9]{2}:?[0-9]{2})?", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
# NUL cannot be stored in PostgreSQL text and lone surrogates cannot be
# encoded as UTF-8: either would turn a bad entry into a server error.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class FieldError(ValueError):
    """A field's value is invalid; the message is shown to the officer."""


Parser = Callable[["Field", Any, "ValidationContext"], tuple[Any, Any]]


@dataclass(frozen=True, slots=True)
class Field:
    """How to read one field of an entry's data."""

    name: str
    label: str
    parse: Parser
    list_name: str | None = None
    max_len: int = 200
    min_len: int = 0
    low: int | float | None = None
    high: int | float | None = None


def _is_int(raw: object) -> bool:
    # JSON true/false arrive as bool, a subclass of int: never a count.
    return isinstance(raw, int) and not isinstance(raw, bool)


def _range_error(f: Field) -> FieldError:
    if f.high is None:
        return FieldError(f"{f.label} must be at least {f.low}.")
    return FieldError(f"{f.label} must be between {f.low} and {f.high}.")


def parse_text(f: Field, raw: Any, ctx: ValidationContext) -> tuple[str, str]:
    """A string, stripped, within ``f.min_len``..``f.max_len`` characters."""
    if not isinstance(raw, str):
        raise FieldError(f"{f.label} must be text.")
    text = raw.strip()
    if len(text) > f.max_len:
        raise FieldError(f"{f.label} must be at most {f.max_len:,} characters.")
    if len(text) < f.min_len:
        raise FieldError(f"{f.label} must be at least {f.min_len} characters.")
    if _UNSTORABLE.search(text):
        raise FieldError(f"{f.label} contains characters that cannot be stored.")
    return text, text


def parse_choice(f: Field, raw: Any, ctx: ValidationContext) -> tuple[str, str]:
    """One value of the reference list ``f.list_name``, exactly as listed."""
    # Check the type first: an unhashable value (list, dict) in a set test raises.
    if not isinstance(raw, str) or raw not in ctx.reference.values(f.list_name):
        raise FieldError(f"Not a value of the {f.list_name} list.")
    return raw, raw


def parse_choices(f: Field, raw: Any, ctx: ValidationContext) -> tuple[list[str], list[str]]:
    """A non-empty list of distinct values of the reference list ``f.list_name``."""
    if not isinstance(raw, list):
        raise FieldError(f"{f.label} must be a list.")
    if not raw:
        raise FieldError(f"Choose at least one of the {f.list_name} list.")
    allowed = ctx.reference.values(f.list_name)
    for item in raw:
        if not isinstance(item, str) or item not in allowed:
            raise FieldError(f"Not a value of the {f.list_name} list.")
    if len(set(raw)) != len(raw):
        raise FieldError(f"{f.label} must not repeat a value.")
    return list(raw), list(raw)


def parse_bool(f: Field, raw: Any, ctx: ValidationContext) -> tuple[bool, bool]:
    """JSON true or false (not 0/1, not "yes")."""
    if not isinstance(raw, bool):
        raise FieldError(f"{f.label} must be true or false.")
    return raw, raw


def parse_int(f: Field, raw: Any, ctx: ValidationContext) -> tuple[int, int]:
    """A whole number (not a bool, not 3.0) within ``f.low``..``f.high``."""
    if not _is_int(raw):
        raise FieldError(f"{f.label} must be a whole number.")
    if (f.low is not None and raw < f.low) or (f.high is not None and raw > f.high):
        raise _range_error(f)
    return raw, raw


def parse_number(f: Field, raw: Any, ctx: ValidationContext) -> tuple[float, float]:
    """A finite number within ``f.low``..``f.high``, stored as a float."""
    if not (_is_int(raw) or isinstance(raw, float)) or (isinstance(raw, float) and not math.isfinite(raw)):
        raise FieldError(f"{f.label} must be a number.")
    # Compare before float(): float() of a huge int raises OverflowError.
    if (f.low is not None and raw < f.low) or (f.high is not None and raw > f.high):
        raise _range_error(f)
    # One representation (51 and 51.0 alike) so a resend hashes the same.
    value = float(raw)
    return value, value


def parse_datetime(f: Field, raw: Any, ctx: ValidationContext) -> tuple[str, datetime]:
    """ISO 8601 with a UTC offset or Z, from 2000 to one hour after ctx.now.

    The string is kept as sent: it carries the device's local offset.
    """
    if not isinstance(raw, str):
        raise FieldError(f"{f.label} must be an ISO 8601 date and time.")
    match = _DATETIME.fullmatch(raw)
    if match is None:
        raise FieldError(f"{f.label} must be an ISO 8601 date and time.")
    if match.group(1) is None:
        raise FieldError(f"{f.label} must include a UTC offset.")
    try:
        value = datetime.fromisoformat(raw)
        # Extreme years with extreme offsets can overflow when compared.
        in_range = EARLIEST <= value <= ctx.latest
    except (ValueError, OverflowError):
        raise FieldError(f"{f.label} is not a valid date and time.") from None
    if not in_range:
        if value < EARLIEST:
            raise FieldError(f"{f.label} must not be before 2000.")
        raise FieldError(f"{f.label} must not be in the future.")
    return raw, value


def parse_date(f: Field, raw: Any, ctx: ValidationContext) -> tuple[str, date]:
    """A calendar date "YYYY-MM-DD", not before 2000."""
    if not isinstance(raw, str) or _DATE.fullmatch(raw) is None:
        raise FieldError(f"{f.label} must be a date (YYYY-MM-DD).")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise FieldError(f"{f.label} is not a valid date.") from None
    if value < EARLIEST.date():
        raise FieldError(f"{f.label} must not be before 2000.")
    return raw, value


def parse_uuid(f: Field, raw: Any, ctx: ValidationContext) -> tuple[str, uuid.UUID]:
    """A UUID in 8-4-4-4-12 form, any case; stored lower case."""
    if not isinstance(raw, str) or _UUID.fullmatch(raw) is None:
        raise FieldError(f"{f.label} must be a UUID (8-4-4-4-12 hexadecimal digits).")
    value = uuid.UUID(raw)
    return str(value), value


def parse_ids(f: Field, raw: Any, ctx: ValidationContext) -> tuple[list[str], list[uuid.UUID]]:
    """A list of at most ``f.high`` distinct UUIDs (8-4-4-4-12, any case); stored lower case.

    An empty list never arrives here: like null, it means "not given".
    """
    noun = f.label.lower().rstrip("s")
    if not isinstance(raw, list) or not all(isinstance(item, str) and _UUID.fullmatch(item) for item in raw):
        raise FieldError(f"{f.label} must be a list of {noun} ids (UUIDs).")
    if f.high is not None and len(raw) > f.high:
        raise FieldError(f"{f.label}: at most {f.high}.")
    values = [uuid.UUID(item) for item in raw]
    if len(set(values)) != len(values):
        raise FieldError(f"{f.label}: the same id twice.")
    return [str(value) for value in values], values
