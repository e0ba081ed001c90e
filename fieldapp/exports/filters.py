"""Reading the filters of an export (or a report) from the query string.

Dates are whole days on the team's clock (UK time, as in the review queue's
filters), ``from`` and ``to`` both included. A bad value
raises :class:`FilterError` naming the field and saying what is wrong, so the
page can show the message next to it; nothing is exported on bad input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, exists, select

from fieldapp.models import Encounter, Entry, PostboxItem, PostboxItemTopic, PostboxVisit, ReviewState, User
from fieldapp.reference import reference_lists


#: Dates typed in filters are days on the team's clock, the same as the review queue's.
LOCAL_ZONE = ZoneInfo("Europe/London")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class FilterError(ValueError):
    """Some filters are wrong; ``errors`` maps each field to a message for people."""

    def __init__(self, errors: dict[str, str]) -> None:
        """Keep the messages by field."""
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Period:
    """A range of whole local days: ``first`` to ``last`` included (either may be open)."""

    first: date | None
    last: date | None

    @property
    def start(self) -> datetime | None:
        """The first instant included."""
        return None if self.first is None else datetime.combine(self.first, time.min, LOCAL_ZONE)

    @property
    def end(self) -> datetime | None:
        """The first instant after the period (exclusive bound)."""
        return None if self.last is None else datetime.combine(self.last + timedelta(days=1), time.min, LOCAL_ZONE)

    def clauses(self, column) -> list[ColumnElement[bool]]:
        """WHERE clauses keeping ``column`` inside the period."""
        found = []
        if self.start is not None:
            found.append(column >= self.start)
        if self.end is not None:
            found.append(column < self.end)
        return found

    def describe(self) -> str:
        """For audit details and file names: ``2026-01-01..2026-01-31``."""
        return f"{self.first or ''}..{self.last or ''}"


def _date(args: Mapping[str, str], name: str, label: str, errors: dict[str, str]) -> date | None:
    """The date in ``args[name]``, None when empty; a bad one adds a message to ``errors``."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if not ISO_DATE.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"{label} must be a date written YYYY-MM-DD, for example 2026-11-27 (got {raw[:40]!r})."
        return None


def parse_period(args: Mapping[str, str], *, required: bool = False,
                 default_days: int | None = None, today: date | None = None) -> Period:
    """The ``from``/``to`` dates of ``args``.

    ``required``: both must be given. ``default_days``: a missing ``to`` is
    today and a missing ``from`` that many days before it (reports).
    """
    errors: dict[str, str] = {}
    first = _date(args, "from", "From", errors)
    last = _date(args, "to", "To", errors)
    if required:
        for name, value, label in (("from", first, "From"), ("to", last, "To")):
            if value is None and name not in errors:
                errors[name] = f"{label} date is required (YYYY-MM-DD)."
    if not errors and default_days is not None:
        last = last or today or datetime.now(UTC).astimezone(LOCAL_ZONE).date()
        first = first or last - timedelta(days=default_days - 1)
    if not errors and first is not None and last is not None and first > last:
        errors["to"] = "To must be the same day as From or later."
    if errors:
        raise FilterError(errors)
    return Period(first, last)


@dataclass
class EntryFilters:
    """The WHERE clauses chosen for an export, and what was asked (for the audit log)."""

    clauses: list[ColumnElement[bool]] = field(default_factory=list)
    applied: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        """``kind=stop_search; officer=pc1``: what the audit event records."""
        return "; ".join(f"{name}={value}" for name, value in self.applied.items()) or "no filters"


#: The filters each type of entry takes, besides from/to, officer and state.
TYPE_FILTERS = {
    "encounter": ("kind",),
    "postbox_visit": ("postbox",),
    "postbox_item": ("postbox", "topic", "urgency", "safeguarding"),
}


def _choice(args: Mapping[str, str], name: str, allowed: frozenset[str] | set[str], label: str,
            errors: dict[str, str]) -> str | None:
    """The value of ``args[name]`` if it is one of ``allowed``; None when empty; else an error."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if raw not in allowed:
        errors[name] = f"{label} {raw[:40]!r} is not one of the choices."
        return None
    return raw


def entry_filters(entry_type: str, args: Mapping[str, str]) -> EntryFilters:
    """Parse the review queue's filters that apply to ``entry_type``; raise FilterError on bad ones."""
    lists = reference_lists()
    errors: dict[str, str] = {}
    result = EntryFilters()
    try:
        period = parse_period(args)
    except FilterError as exc:
        errors.update(exc.errors)
        period = Period(None, None)
    result.clauses += period.clauses(Entry.occurred_at)
    if period.first or period.last:
        result.applied["period"] = period.describe()

    officer = (args.get("officer") or "").strip().lower()
    if officer:
        result.clauses.append(Entry.author_id == select(User.id).where(User.username == officer).scalar_subquery())
        result.applied["officer"] = officer[:64]
    state = _choice(args, "state", {str(s) for s in ReviewState}, "Review state", errors)
    if state:
        result.clauses.append(Entry.review_state == state)
        result.applied["state"] = state

    wanted = TYPE_FILTERS[entry_type]
    if "kind" in wanted and (kind := _choice(args, "kind", lists.values("encounter_kinds"), "Kind", errors)):
        result.clauses.append(Encounter.kind == kind)
        result.applied["kind"] = kind
    if "postbox" in wanted and (raw := (args.get("postbox") or "").strip()):
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
            errors["postbox"] = "Postbox must be chosen from the list."
        elif entry_type == "postbox_visit":
            result.clauses.append(PostboxVisit.postbox_id == int(raw))
            result.applied["postbox"] = raw
        else:
            result.clauses.append(exists().where(PostboxVisit.entry_id == PostboxItem.visit_id,
                                                 PostboxVisit.postbox_id == int(raw)))
            result.applied["postbox"] = raw
    if "topic" in wanted and (topic := _choice(args, "topic", lists.values("topics"), "Topic", errors)):
        result.clauses.append(exists().where(PostboxItemTopic.item_id == PostboxItem.entry_id,
                                             PostboxItemTopic.topic == topic))
        result.applied["topic"] = topic
    if "urgency" in wanted and (urgency := _choice(args, "urgency", lists.values("urgency"), "Urgency", errors)):
        result.clauses.append(PostboxItem.urgency == urgency)
        result.applied["urgency"] = urgency
    if "safeguarding" in wanted and (flag := _choice(args, "safeguarding", {"yes", "no"}, "Safeguarding", errors)):
        result.clauses.append(PostboxItem.safeguarding == (flag == "yes"))
        result.applied["safeguarding"] = flag
    if errors:
        raise FilterError(errors)
    return result
