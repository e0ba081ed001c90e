"""Reading the filters of an export (or a report) from the query string, and every period.

Dates are whole days on the team's clock (UK time, as in the review queue's
filters), ``from`` and ``to`` both included. A bad value
raises :class:`FilterError` naming the field and saying what is wrong, so the
page can show the message next to it; nothing is exported on bad input.

:func:`parse_period` is the one reader of a period in the app: the exports,
the reports, the review queue and the audit log (the last two through
:class:`DayField` and :func:`read_period_fields`) all read their dates with
it, so every period is bounded the same way. A day must lie between
:data:`EARLIEST_DAY` (nothing the app holds happened earlier) and a year
after today: anything outside is a typing slip, and days near ``date.max``
used to overflow when the day after the period was computed. Pages whose work
grows with the length of the period (the reports draw a column per week; the
national file is a return for a stated period) take at most
:data:`MAX_PERIOD_YEARS`; the lists read a page or a batch at a time opt out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, exists, select

from wtforms import DateField

from fieldapp.models import Encounter, Entry, PostboxItem, PostboxItemTopic, PostboxVisit, ReviewState, User
from fieldapp.reference import reference_lists
from sync.fields import EARLIEST


#: Dates typed in filters are days on the team's clock, the same as the review queue's.
LOCAL_ZONE = ZoneInfo("Europe/London")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
#: No entry can have happened before this day (the sync protocol refuses them), nor any audit event.
EARLIEST_DAY = EARLIEST.date()
#: A day up to this long after today is accepted (a report asked for ahead); later is a typing slip.
LATEST_AHEAD = timedelta(days=366)
#: The longest period of a report or of the stop and search file: five years (2021-01-01 to 2025-12-31).
MAX_PERIOD_YEARS = 5


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


def local_today() -> date:
    """Today on the team's clock."""
    return datetime.now(UTC).astimezone(LOCAL_ZONE).date()


def _date(args: Mapping[str, str], name: str, label: str, latest: date, errors: dict[str, str]) -> date | None:
    """The date in ``args[name]``, None when empty; a bad one adds a message to ``errors``."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if not ISO_DATE.match(raw):
            raise ValueError(raw)
        value = date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"{label} must be a date written YYYY-MM-DD, for example 2026-11-27 (got {raw[:40]!r})."
        return None
    if not EARLIEST_DAY <= value <= latest:
        errors[name] = f"{label} must be between {EARLIEST_DAY} and {latest} (got {raw})."
        return None
    return value


def period_rules(max_years: int | None = MAX_PERIOD_YEARS, today: date | None = None) -> str:
    """The rules of :func:`parse_period` in words, for the hint next to a form's dates."""
    latest = (today or local_today()) + LATEST_AHEAD
    rules = f"Dates as YYYY-MM-DD, from {EARLIEST_DAY} to {latest}"
    if max_years is not None:
        rules += f"; at most {max_years} years from From to To"
    return rules + "."


def _years_later(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 1 March)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def parse_period(args: Mapping[str, str], *, required: bool = False, default_days: int | None = None,
                 max_years: int | None = MAX_PERIOD_YEARS, today: date | None = None) -> Period:
    """The ``from``/``to`` dates of ``args``; FilterError with a message per field when they are wrong.

    Each day must lie between :data:`EARLIEST_DAY` and a year after today, and
    ``from`` must not be after ``to``. ``required``: both must be given.
    ``default_days``: a missing ``to`` is today and a missing ``from`` that many
    days before it (reports). ``max_years``: the period, both days included,
    may be at most that long (checked when both ends are known); None for the
    filters of a list read a page or a batch at a time, where an open end is
    allowed anyway (the review queue, the per-type exports, the audit log).
    """
    errors: dict[str, str] = {}
    today = today or local_today()
    latest = today + LATEST_AHEAD
    first = _date(args, "from", "From", latest, errors)
    last = _date(args, "to", "To", latest, errors)
    if required:
        for name, value, label in (("from", first, "From"), ("to", last, "To")):
            if value is None and name not in errors:
                errors[name] = f"{label} date is required (YYYY-MM-DD)."
    if not errors and default_days is not None:
        last = last or today
        first = first or max(EARLIEST_DAY, last - timedelta(days=default_days - 1))
    if not errors and first is not None and last is not None:
        if first > last:
            errors["to"] = "To must be the same day as From or later."
        elif max_years is not None and last >= _years_later(first, max_years):
            # On the field that was typed: a report's empty To means today.
            name = "to" if (args.get("to") or "").strip() else "from"
            errors[name] = (f"The period may be at most {max_years} years long: with From {first}, To must be "
                            f"on or before {_years_later(first, max_years) - timedelta(days=1)}.")
    if errors:
        raise FilterError(errors)
    return Period(first, last)


class DayField(DateField):
    """A day in a WTForms form (``<input type="date">``), read with its partner by :func:`read_period_fields`.

    The field keeps what was typed and leaves parsing to :func:`parse_period`,
    so that a form's period follows the same rules as every other one.
    """

    def process_formdata(self, valuelist: list[str]) -> None:
        """Keep the text (in ``raw_data``); the form's ``validate`` turns it into a day."""
        self.data = None


def read_period_fields(first, last, **options) -> bool:
    """Read two :class:`DayField` fields with :func:`parse_period` (``options`` are its own).

    On success their ``data`` become the days; otherwise each message goes on
    its field and False is returned. Call it from the form's ``validate``.
    """
    raw = {name: (field.raw_data or [""])[0] for name, field in (("from", first), ("to", last))}
    try:
        period = parse_period(raw, **options)
    except FilterError as exc:
        for name, field in (("from", first), ("to", last)):
            if name in exc.errors:
                field.errors = [*field.errors, exc.errors[name]]
        return False
    first.data, last.data = period.first, period.last
    return True


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
        period = parse_period(args, max_years=None)  # the queue's filters: open ends allowed, so no cap
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
