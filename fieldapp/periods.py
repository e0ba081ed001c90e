"""Periods: a range of whole days, the one reader of a period typed in a page, and its rules in words.

Every page that takes dates reads them here: the exports, the reports, the
review queue and the audit log (the last two through :class:`DayField` and
:func:`read_period_fields`), so every period is bounded the same way and
every mistake is told in the same words. Dates are whole days, ``from`` and
``to`` both included, on the team's clock (UK time), the audit log's too.

A day must lie between :data:`EARLIEST_DAY` (nothing the app holds happened
earlier) and a year after today: anything outside is a typing slip, and days
near ``date.max`` used to overflow when the day after the period was
computed. Pages whose work grows with the length of the period (the reports
draw a column per week; the national file is a return for a stated period)
take at most :data:`MAX_PERIOD_YEARS`; the lists read a page or a batch at a
time opt out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement
from wtforms import DateField

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
    """Some filters (a period, or others read with it) are wrong; ``errors`` maps each field to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        """Keep the messages by field."""
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Period:
    """A range of whole days: ``first`` to ``last`` included (either may be open), on the clock of ``zone``."""

    first: date | None
    last: date | None
    zone: tzinfo = LOCAL_ZONE

    @property
    def start(self) -> datetime | None:
        """The first instant included."""
        return None if self.first is None else datetime.combine(self.first, time.min, self.zone)

    @property
    def end(self) -> datetime | None:
        """The first instant after the period (exclusive bound)."""
        return None if self.last is None else datetime.combine(self.last + timedelta(days=1), time.min, self.zone)

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
