"""Reading the review queue: filters, counts per state and keyset pages, in a few set-based queries."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from fieldapp.access import Reach, reach, visible_entries
from fieldapp.entry_filters import EntryFilters as Filters  # the queue's filters, as the pages name them
from fieldapp.entry_filters import entry_clauses, tables_read
from fieldapp.extensions import db
from fieldapp.models import Encounter, Entry, PostboxItem, PostboxVisit, ReviewState, User
from fieldapp.models.types import utcnow
from fieldapp.paging import Keyset, keyset_page
from sync.vocabulary import REVIEW_STATES

PAGE_SIZE = 50
#: Unreviewed entries waiting longer than this stand out in the queue.
OVERDUE_AFTER = timedelta(hours=72)
STATES = REVIEW_STATES
#: Counting stops past this many entries per state: the page then says "1,000+". Counting every
#: match of a large team costs far more than the page itself (with a content filter such as the
#: encounter kind, each entry counted is a lookup in another table); up to the cap counts are exact.
COUNT_CAP = 1_000
#: With a text search each entry counted also reads its texts: counting stops sooner ("100+").
SEARCH_COUNT_CAP = 100
#: Newest received first; the id breaks ties (entries pushed together share received_at).
QUEUE_ORDER = Keyset("q2", (Entry.received_at, Entry.id), (datetime, uuid.UUID), descending=True)


@dataclass(frozen=True)
class Viewer:
    """Who is looking: their role decides what the queue may hold."""

    role: str
    user_id: int
    team_id: int


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue: enough to recognise the entry without opening it."""

    id: uuid.UUID
    type: str
    kind: str | None
    officer: str
    officer_username: str
    occurred_at: datetime
    received_at: datetime
    state: str
    summary: str
    overdue: bool


@dataclass(frozen=True)
class StateCount:
    """How many entries are in one state: exactly ``number``, or more than ``number`` when ``capped``."""

    number: int
    capped: bool = False

    def __str__(self) -> str:
        return f"{self.number:,}+" if self.capped else f"{self.number:,}"


@dataclass(frozen=True)
class Page:
    """A page of the queue, the cursor for the next one, and the counts per state."""

    rows: list[QueueRow]
    after: str | None
    counts: dict[str, StateCount]


def decode_after(text: str) -> tuple[datetime, uuid.UUID]:
    """The position in a queue cursor; InvalidCursor (with the message for people) for any other text."""
    return QUEUE_ORDER.read(text)


def _conditions(filters: Filters, viewer: Viewer, with_state: bool) -> list[ColumnElement[bool]]:
    """The WHERE clauses for the filters (the state one only when asked: counts leave it out)."""
    if not with_state:
        filters = dataclasses.replace(filters, state=None)
    return [visible_entries(viewer.role, viewer.user_id, viewer.team_id), *entry_clauses(filters)]


def _joined(query: Select[Any], filters: Filters | None = None) -> Select[Any]:
    """The entry with its author and whichever content row its type has (one row each at most).

    Given ``filters``, only the tables those filters read are joined: the counts then stay
    a scan of the entries index alone when no content filter is in use.
    """
    needs_user = needs_encounter = needs_visit = needs_item = filters is None
    if filters is not None:
        tables = tables_read(filters)
        needs_encounter, needs_visit, needs_item = (table in tables for table in (Encounter, PostboxVisit, PostboxItem))
    if needs_user:
        query = query.join(User, User.id == Entry.author_id)
    if needs_encounter:
        query = query.outerjoin(Encounter, Encounter.entry_id == Entry.id)
    if needs_visit:
        query = query.outerjoin(PostboxVisit, PostboxVisit.entry_id == Entry.id)
    if needs_item:
        query = query.outerjoin(PostboxItem, PostboxItem.entry_id == Entry.id)
    return query


def count_states(filters: Filters, viewer: Viewer) -> dict[str, StateCount]:
    """How many entries are in each review state under the filters (the state filter aside).

    Exact up to a cap (:data:`COUNT_CAP`, or :data:`SEARCH_COUNT_CAP` with a text search) per
    state, "more than the cap" past it: one statement counting each state's matches with a
    LIMIT, so its cost is bounded however many entries match (each state reads at most cap + 1
    rows of the (scope, state) index).
    """
    cap = SEARCH_COUNT_CAP if filters.q else COUNT_CAP
    where = _conditions(filters, viewer, with_state=False)
    counted = []
    for state in STATES:
        matching = _joined(select(Entry.id).select_from(Entry), filters).where(*where, Entry.review_state == state)
        if reach(viewer.role) is not Reach.ALL:
            # Walk the (team or author, state, received_at) index in order and stop at the cap:
            # without the ORDER BY, PostgreSQL may choose to read and join every match first.
            matching = matching.order_by(Entry.received_at.desc(), Entry.id.desc())
        counted.append(select(func.count()).select_from(matching.limit(cap + 1).subquery()).scalar_subquery())
    numbers = db.session.execute(select(*counted)).one()
    return {state: StateCount(cap, True) if number > cap else StateCount(number)
            for state, number in zip(STATES, numbers, strict=True)}


# A postbox item recorded by its photo alone has no summary to show.
PHOTO_ONLY = "Photo of the card"


def _summary(*texts: str | None, limit: int = 120) -> str:
    """The first non-empty text on one line, cut to ``limit`` characters."""
    text = next((t for t in texts if t and t.strip()), "")
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def queue_page(filters: Filters, viewer: Viewer, after: tuple[datetime, uuid.UUID] | None) -> Page:
    """One page of the queue, newest received first, starting after position ``after`` (None: the first)."""
    query = _joined(select(Entry.id, Entry.type, Entry.occurred_at, Entry.received_at, Entry.review_state,
                           User.display_name, User.username, Encounter.kind, Encounter.grounds,
                           Encounter.notes, Encounter.location_text, PostboxItem.summary,
                           PostboxVisit.notes.label("visit_notes")).select_from(Entry))
    query = query.where(*_conditions(filters, viewer, with_state=True))
    rows, cursor = keyset_page(query, QUEUE_ORDER, PAGE_SIZE, after)
    overdue_before = utcnow() - OVERDUE_AFTER
    page_rows = [
        QueueRow(id=row.id, type=row.type, kind=row.kind, officer=row.display_name,
                 officer_username=row.username, occurred_at=row.occurred_at, received_at=row.received_at,
                 state=row.review_state,
                 summary=_summary(row.grounds, row.summary, row.notes, row.visit_notes, row.location_text)
                 or (PHOTO_ONLY if row.type == "postbox_item" else ""),
                 overdue=row.review_state == ReviewState.UNREVIEWED and row.received_at < overdue_before)
        for row in rows
    ]
    if after is None and cursor is None and not filters.state:
        # Every match is on this one page: count them here rather than read them all again
        # (for a search that matches little, the second read is the whole cost).
        counts = {state: StateCount(sum(row.state == state for row in page_rows)) for state in STATES}
    else:
        counts = count_states(filters, viewer)
    return Page(rows=page_rows, after=cursor, counts=counts)

