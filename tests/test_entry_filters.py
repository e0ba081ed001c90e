"""fieldapp.entry_filters: each filter's clauses read only the tables tables_read names (no database).

The review queue joins exactly those tables for its counts, and an export
joins only its type's own table: a clause reading any other table would add
it to the FROM list, a cross join that multiplies rows.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import select

from fieldapp.entry_filters import EntryFilters, entry_clauses, tables_read
from fieldapp.models import Encounter, Entry, PostboxItem, PostboxVisit
from fieldapp.periods import LOCAL_ZONE

#: One value for each filter.
EACH = {"kind": "stop_search", "officer": "pc1", "state": "approved", "date_from": date(2026, 3, 1),
        "date_to": date(2026, 3, 31), "postbox": 7, "topic": "parking", "urgency": "urgent",
        "safeguarding": False, "q": "bike"}
CONTENT = {"encounter": Encounter, "postbox_visit": PostboxVisit, "postbox_item": PostboxItem}
#: The filters each type's export offers (exports.filters.TYPE_FILTERS, with the ones all types take).
EXPORTED = {"encounter": ("kind",), "postbox_visit": ("postbox",),
            "postbox_item": ("postbox", "topic", "urgency", "safeguarding")}
COMMON = ("officer", "state", "date_from", "date_to")


def _froms(filters: EntryFilters, tables: set[type]) -> list:
    """The FROM list of the entries with ``tables`` outer-joined, filtered by ``filters``."""
    query = select(Entry.id).select_from(Entry)
    for table in (Encounter, PostboxVisit, PostboxItem):
        if table in tables:
            query = query.outerjoin(table, table.entry_id == Entry.id)
    return query.where(*entry_clauses(filters)).get_final_froms()


@pytest.mark.parametrize("name", sorted(EACH))
@pytest.mark.parametrize("entry_type", [None, *CONTENT])
def test_each_filter_reads_only_the_tables_it_names(name, entry_type):
    filters = EntryFilters(type=entry_type, **{name: EACH[name]})
    assert len(_froms(filters, tables_read(filters))) == 1


@pytest.mark.parametrize("entry_type", sorted(EXPORTED))
def test_an_exports_filters_read_only_its_own_table(entry_type):
    filters = EntryFilters(type=entry_type, **{name: EACH[name] for name in (*COMMON, *EXPORTED[entry_type])})
    assert tables_read(filters) <= {CONTENT[entry_type]}
    assert len(_froms(filters, {CONTENT[entry_type]})) == 1


def test_no_filters_no_clauses_no_tables():
    assert entry_clauses(EntryFilters()) == [] and tables_read(EntryFilters()) == set()


def test_every_filter_adds_its_clause():
    everything = EntryFilters(type="postbox_item", **EACH)
    assert len(entry_clauses(everything)) == len(EACH) + 1  # the two dates are two clauses, the type one more
    assert len(entry_clauses(dataclasses.replace(everything, state=None))) == len(EACH)


def test_the_period_is_local_whole_days():
    period = EntryFilters(date_from=date(2026, 7, 1), date_to=date(2026, 7, 31)).period
    assert period.start.tzinfo is LOCAL_ZONE and period.end.date() == date(2026, 8, 1)
