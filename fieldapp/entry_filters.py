"""The review queue's filters on entries, turned into SQL: the queue and the per-type exports both use them.

Each page reads its filters its own way (the queue through a form, the
exports from the query string, each saying what is wrong next to the field);
what a filter *means* is written once, here. The clauses read the columns of
the entry and of the content tables (:class:`Encounter`, :class:`PostboxVisit`,
:class:`PostboxItem`) that :func:`tables_read` names: the query must join those
(outer joins for a list of every type, the type's own table for an export).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import aliased

from fieldapp.models import Encounter, Entry, PostboxItem, PostboxItemTopic, PostboxVisit, User
from fieldapp.periods import Period


@dataclass(frozen=True)
class EntryFilters:
    """Filters on entries, already validated (None means 'any'); every one given must match."""

    type: str | None = None
    kind: str | None = None
    officer: str | None = None  # a username, lower case
    state: str | None = None
    date_from: date | None = None  # when it happened: local days, both included
    date_to: date | None = None
    postbox: int | None = None
    topic: str | None = None
    urgency: str | None = None
    safeguarding: bool | None = None
    q: str | None = None  # words in the entry's texts

    @property
    def period(self) -> Period:
        """The days the entries happened on."""
        return Period(self.date_from, self.date_to)


def tables_read(filters: EntryFilters) -> set[type]:
    """The content tables whose columns :func:`entry_clauses` reads for ``filters``."""
    tables: set[type] = set()
    if filters.kind or filters.q:
        tables.add(Encounter)
    by_postbox = filters.postbox is not None
    if by_postbox and filters.type != "postbox_item" or filters.q:
        tables.add(PostboxVisit)
    by_item = filters.urgency or filters.safeguarding is not None
    if by_postbox and filters.type != "postbox_visit" or by_item or filters.q:
        tables.add(PostboxItem)
    return tables


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` literally anywhere (its % and _ escaped)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _postbox(filters: EntryFilters) -> ColumnElement[bool]:
    """Visits to the postbox, and the items found on those visits."""
    item_visit = aliased(PostboxVisit)
    items = PostboxItem.visit_id.in_(select(item_visit.entry_id).where(item_visit.postbox_id == filters.postbox))
    if filters.type == "postbox_item":
        return items
    visits = PostboxVisit.postbox_id == filters.postbox
    return visits if filters.type == "postbox_visit" else or_(visits, items)


def entry_clauses(filters: EntryFilters) -> list[ColumnElement[bool]]:
    """The WHERE clauses of ``filters`` (who may see what is the caller's business)."""
    where: list[ColumnElement[bool]] = []
    if filters.type:
        where.append(Entry.type == filters.type)
    if filters.kind:
        where.append(Encounter.kind == filters.kind)
    if filters.officer:
        # The author's id by a sub-select rather than a join on users: the database then walks
        # the (author, state, received_at) index in order instead of guessing at the join.
        where.append(Entry.author_id == select(User.id).where(User.username == filters.officer).scalar_subquery())
    if filters.state:
        where.append(Entry.review_state == filters.state)
    where.extend(filters.period.clauses(Entry.occurred_at))
    if filters.postbox is not None:
        where.append(_postbox(filters))
    if filters.topic:
        where.append(Entry.id.in_(select(PostboxItemTopic.item_id).where(PostboxItemTopic.topic == filters.topic)))
    if filters.urgency:
        where.append(PostboxItem.urgency == filters.urgency)
    if filters.safeguarding is not None:
        where.append(PostboxItem.safeguarding == (true() if filters.safeguarding else false()))
    if filters.q:
        # On PostgreSQL, migration 0005 keeps statistics on exactly these lower(...) expressions,
        # so that the planner can tell a common word (walk newest first) from a rare one.
        pattern = _like(filters.q)
        where.append(or_(*(func.lower(column).like(pattern, escape="\\") for column in
                           (Encounter.grounds, Encounter.notes, PostboxItem.summary, PostboxVisit.notes))))
    return where
