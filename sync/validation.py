"""Validate one raw entry from a phone's outbox into an Entry, or errors.

``validate_entry`` never raises: one bad entry must not fail a batch.
"""
from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sync.fields import MAX_INT32, Field, FieldError, parse_datetime, parse_uuid
from sync.reference import ReferenceLists
from sync.rules import CHECKS, Reader
from sync.schema import REQUIRED_LISTS

log = logging.getLogger(__name__)

ENTRY_TYPES = frozenset(CHECKS)
ENVELOPE_KEYS = frozenset({"id", "type", "version", "base_version", "captured_at", "data"})
# Clocks on phones drift: allow this much into the server's future.
CLOCK_SKEW = timedelta(hours=1)

_ID = Field("id", "Id", parse_uuid)
_CAPTURED_AT = Field("captured_at", "Captured at", parse_datetime)


@dataclass(frozen=True)
class ValidationContext:
    """What validation needs from the server: the lists, the time, the postboxes, the section 60 windows.

    ``postbox_ids`` None means postbox existence is not checked.
    ``section60_windows`` maps the reference of each section 60 authorisation of
    the author's team to its periods ``(starts_at, ends_at)`` (aware datetimes,
    both ends included); a section 60 search must fall inside one period of the
    authorisation it names. None means the windows are not checked (the phone's
    own check, where the server's list may be stale, is only a prompt).
    """

    reference: ReferenceLists
    now: datetime
    postbox_ids: Container[int] | None = None
    section60_windows: Mapping[str, Sequence[tuple[datetime, datetime]]] | None = None
    latest: datetime = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Fail at start-up, not per entry, on a naive clock or a missing list."""
        if self.now.utcoffset() is None:
            raise ValueError("ValidationContext.now must be timezone-aware")
        missing = REQUIRED_LISTS.difference(self.reference.lists)
        if missing:
            raise ValueError(f"reference lists missing: {', '.join(sorted(missing))}")
        object.__setattr__(self, "latest", self.now + CLOCK_SKEW)


@dataclass(frozen=True, slots=True)
class Entry:
    """A valid entry: ``data`` is the cleaned JSON, ``values`` every field of
    the type parsed to Python (None when not given)."""

    id: uuid.UUID
    type: str
    version: int
    base_version: int | None
    captured_at: datetime
    data: dict[str, Any]
    values: dict[str, Any]
    content_hash: str


def content_hash(entry_type: str, data: dict[str, Any]) -> str:
    """SHA-256 hex of the canonical JSON of type and cleaned data."""
    canonical = json.dumps({"type": entry_type, "data": data}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _version(raw: Any) -> int | None:
    # JSON true is a bool, a subclass of int: never a version.
    if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= MAX_INT32:
        return raw
    return None


def _envelope(raw: dict[Any, Any], ctx: ValidationContext, errors: dict[str, str]) -> dict[str, Any]:
    """Check the envelope keys; return the parsed ones that are valid."""
    out: dict[str, Any] = {}
    for key in raw:
        if key not in ENVELOPE_KEYS:
            errors[key if isinstance(key, str) else repr(key)] = "Unknown field."
    for key, spec in (("id", _ID), ("captured_at", _CAPTURED_AT)):
        if raw.get(key) is None:
            errors[key] = f"{spec.label} is required."
            continue
        try:
            out[key] = spec.parse(spec, raw[key], ctx)[1]
        except FieldError as exc:
            errors[key] = str(exc)
    entry_type = raw.get("type")
    if entry_type is None:
        errors["type"] = "Type is required."
    elif not isinstance(entry_type, str) or entry_type not in ENTRY_TYPES:
        errors["type"] = f"Type must be one of {', '.join(sorted(ENTRY_TYPES))}."
    else:
        out["type"] = entry_type
    version, base = _version(raw.get("version")), raw.get("base_version")
    if raw.get("version") is None:
        errors["version"] = "Version is required."
    elif version is None:
        errors["version"] = f"Version must be a whole number from 1 to {MAX_INT32}."
    if base is not None and _version(base) is None:
        errors["base_version"] = "Base version must be a whole number or null."
    elif version == 1 and base is not None:
        errors["base_version"] = "A new entry (version 1) has no base version."
    elif version is not None and version > 1 and base != version - 1:
        # An edit names the version it was made from: exactly one before.
        errors["base_version"] = f"An edit to version {version} must have base version {version - 1}."
    out["version"], out["base_version"] = version, base
    data = raw.get("data")
    if not isinstance(data, dict):
        errors["data"] = "Data must be an object."
    else:
        out["data"] = data
    return out


def _validate(raw: object, ctx: ValidationContext) -> tuple[Entry | None, dict[str, str]]:
    if not isinstance(raw, dict):
        return None, {"entry": "An entry must be a JSON object."}
    errors: dict[str, str] = {}
    env = _envelope(raw, ctx, errors)
    if "type" not in env or "data" not in env:
        return None, errors
    fields, check = CHECKS[env["type"]]
    reader = Reader(env["data"], fields, ctx, errors)
    check(reader)
    if errors:
        return None, errors
    values = dict.fromkeys(fields)
    values.update(reader.parsed)
    return Entry(
        id=env["id"], type=env["type"], version=env["version"], base_version=env["base_version"],
        captured_at=env["captured_at"], data=reader.clean, values=values,
        content_hash=content_hash(env["type"], reader.clean),
    ), {}


def validate_entry(raw: object, ctx: ValidationContext) -> tuple[Entry | None, dict[str, str]]:
    """Validate one decoded JSON entry.

    Returns ``(entry, {})`` when valid, else ``(None, errors)`` with errors
    mapping a field name (``entry`` when raw is not an object) to one sentence.
    Never raises.
    """
    try:
        return _validate(raw, ctx)
    except Exception:  # a bug here must not fail the whole batch
        log.exception("validate_entry failed on an entry")
        return None, {"entry": "This entry could not be checked."}
