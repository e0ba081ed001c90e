"""Reading the filters of a per-type export from the query string.

The filters are the review queue's, those that apply to the type exported;
what each one means in SQL is :mod:`fieldapp.entry_filters`, and its dates
are read by :func:`fieldapp.periods.parse_period` (open ends allowed: the
file is streamed a batch at a time). A bad value raises :class:`FilterError`
naming the field and saying what is wrong, so the page can show the message
next to it; nothing is exported on bad input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement

from fieldapp.entry_filters import EntryFilters, entry_clauses
from fieldapp.models import ReviewState
from fieldapp.periods import FilterError, parse_period
from fieldapp.reference import reference_lists


@dataclass
class ExportFilters:
    """The filters chosen for an export, and what was asked (for the audit log)."""

    filters: EntryFilters
    applied: dict[str, str] = field(default_factory=dict)

    @property
    def clauses(self) -> list[ColumnElement[bool]]:
        """The WHERE clauses of the filters."""
        return entry_clauses(self.filters)

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


def entry_filters(entry_type: str, args: Mapping[str, str]) -> ExportFilters:
    """Parse the review queue's filters that apply to ``entry_type``; raise FilterError on bad ones."""
    lists = reference_lists()
    errors: dict[str, str] = {}
    chosen: dict[str, object] = {"type": entry_type}
    applied: dict[str, str] = {}
    try:
        period = parse_period(args, max_years=None)  # the queue's filters: open ends allowed, so no cap
    except FilterError as exc:
        errors.update(exc.errors)
    else:
        chosen.update(date_from=period.first, date_to=period.last)
        if period.first or period.last:
            applied["period"] = period.describe()

    officer = (args.get("officer") or "").strip().lower()
    if officer:
        chosen["officer"] = officer
        applied["officer"] = officer[:64]
    if state := _choice(args, "state", {str(s) for s in ReviewState}, "Review state", errors):
        chosen["state"] = applied["state"] = state

    wanted = TYPE_FILTERS[entry_type]
    if "kind" in wanted and (kind := _choice(args, "kind", lists.values("encounter_kinds"), "Kind", errors)):
        chosen["kind"] = applied["kind"] = kind
    if "postbox" in wanted and (raw := (args.get("postbox") or "").strip()):
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
            errors["postbox"] = "Postbox must be chosen from the list."
        else:
            chosen["postbox"], applied["postbox"] = int(raw), raw
    if "topic" in wanted and (topic := _choice(args, "topic", lists.values("topics"), "Topic", errors)):
        chosen["topic"] = applied["topic"] = topic
    if "urgency" in wanted and (urgency := _choice(args, "urgency", lists.values("urgency"), "Urgency", errors)):
        chosen["urgency"] = applied["urgency"] = urgency
    if "safeguarding" in wanted and (flag := _choice(args, "safeguarding", {"yes", "no"}, "Safeguarding", errors)):
        chosen["safeguarding"], applied["safeguarding"] = flag == "yes", flag
    if errors:
        raise FilterError(errors)
    return ExportFilters(EntryFilters(**chosen), applied)
