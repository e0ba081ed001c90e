"""Reading the review queue: filters, the desk's counts, keyset pages and the next entry waiting.

A supervisor's queue opens on what needs them (unreviewed, oldest first). Above it one line
counts what matters: waiting, overdue, returned and not yet resent, conflicts to resolve, and
how long the oldest has waited. An entry waits for reviewers other than its author: a
supervisor's own entries are left out of what waits for them (the waiting and overdue lists and
counts, conflicts, 'next' and the position), and shown under 'Show everything'. Every count is capped (:data:`COUNT_CAP`) so that its cost is
bounded however large the team; each walks the (scope, state, received_at) indexes of
migration 0003.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from fieldapp.access import Reach, is_reviewer, reach, visible_entries
from fieldapp.entry_filters import EntryFilters as Filters  # the queue's filters, as the pages name them
from fieldapp.entry_filters import entry_clauses, tables_read
from fieldapp.extensions import db
from fieldapp.models import (
    ConflictCopy, Encounter, Entry, Placement, Postbox, PostboxItem, PostboxItemTopic, PostboxVisit, ReviewState, User,
)
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
#: The queue's orders by the name its links use: a supervisor's default is the oldest waiting first.
ORDERS = {"newest": QUEUE_ORDER,
          "oldest": Keyset("q3", (Entry.received_at, Entry.id), (datetime, uuid.UUID), descending=False)}
#: What a supervisor's queue opens on, with no filter asked for.
DEFAULT_QUEUE = {"state": ReviewState.UNREVIEWED.value, "order": "oldest"}
#: The first words of the grounds or notes a row shows.
SUMMARY_LENGTH = 80


def overdue_clause(now: datetime | None = None) -> ColumnElement[bool]:
    """Unreviewed and received more than :data:`OVERDUE_AFTER` ago: the one definition of overdue."""
    return (Entry.review_state == ReviewState.UNREVIEWED.value) & (Entry.received_at < (now or utcnow()) - OVERDUE_AFTER)


def _has_conflict() -> ColumnElement[bool]:
    """The entry has a conflict copy no supervisor has dealt with yet."""
    return Entry.id.in_(select(ConflictCopy.entry_id).where(ConflictCopy.resolved_at.is_(None)))


def _waits_for(viewer: Viewer) -> list[ColumnElement[bool]]:
    """What an entry waiting for ``viewer`` must also be: for a reviewer, not theirs (nobody decides
    on their own entry); for an officer, nothing more (their list is their own entries)."""
    return [Entry.author_id != viewer.user_id] if is_reviewer(viewer.role) else []


@dataclass(frozen=True)
class Queue:
    """A queue as its links name it: the entry filters, what it needs (overdue, conflicts) and its order."""

    filters: Filters
    needs: str | None = None  # "overdue" or "conflicts"
    order: str = "newest"

    @property
    def keyset(self) -> Keyset:
        return ORDERS[self.order]

    def waiting(self) -> Queue:
        """The same queue, its unreviewed entries only (where 'next' is looked for)."""
        return dataclasses.replace(self, filters=dataclasses.replace(self.filters, state=ReviewState.UNREVIEWED.value))


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
    outcome: str | None = None
    where: str = ""
    topics: tuple[str, ...] = ()
    postbox: str | None = None
    cards: int | None = None
    conflict: bool = False


@dataclass(frozen=True)
class StateCount:
    """How many entries are in one state: exactly ``number``, or more than ``number`` when ``capped``."""

    number: int
    capped: bool = False

    def __str__(self) -> str:
        return f"{self.number:,}+" if self.capped else f"{self.number:,}"


#: The desk's counts, by the names the page and its links use.
DESK_COUNTS = ("waiting", "overdue", "returned", "conflicts")


@dataclass(frozen=True)
class Page:
    """A page of the queue, the cursor for the next one, the desk's counts and the oldest waiting."""

    rows: list[QueueRow]
    after: str | None
    counts: dict[str, StateCount]
    oldest_waiting: datetime | None = None


def decode_after(text: str, order: str = "newest") -> tuple[datetime, uuid.UUID]:
    """The position in a queue cursor; InvalidCursor (with the message for people) for any other text."""
    return ORDERS[order].read(text)


def _conditions(queue: Queue | Filters, viewer: Viewer, with_state: bool) -> list[ColumnElement[bool]]:
    """The WHERE clauses for the queue (its state and needs only when asked: counts leave them out)."""
    if isinstance(queue, Filters):
        queue = Queue(queue)
    filters = queue.filters if with_state else dataclasses.replace(queue.filters, state=None)
    where = [visible_entries(viewer.role, viewer.user_id, viewer.team_id), *entry_clauses(filters)]
    if with_state and (filters.state == ReviewState.UNREVIEWED.value or queue.needs in {"overdue", "conflicts"}):
        where.extend(_waits_for(viewer))
    if with_state and queue.needs == "overdue":
        where.append(overdue_clause())
    elif with_state and queue.needs == "conflicts":
        where.append(_has_conflict())
    return where


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


def _capped(matching: Select[Any], viewer: Viewer, cap: int, in_order: bool = True) -> Any:
    """How many rows ``matching`` has, counting no further than ``cap`` + 1 (a scalar subquery)."""
    if in_order and reach(viewer.role) is not Reach.ALL:
        # Walk the (team or author, state, received_at) index in order and stop at the cap:
        # without the ORDER BY, PostgreSQL may choose to read and join every match first.
        matching = matching.order_by(Entry.received_at.desc(), Entry.id.desc())
    return select(func.count()).select_from(matching.limit(cap + 1).subquery()).scalar_subquery()


def _count(number: int, cap: int) -> StateCount:
    return StateCount(cap, True) if number > cap else StateCount(number)


def count_desk(filters: Filters, viewer: Viewer) -> tuple[dict[str, StateCount], datetime | None]:
    """The desk's counts under the filters (the state filter aside), and when the oldest waiting arrived.

    Exact up to a cap (:data:`COUNT_CAP`, or :data:`SEARCH_COUNT_CAP` with a text search) each,
    "more than the cap" past it: one statement whose cost is bounded however many entries match
    (each count reads at most cap + 1 rows of the (scope, state) index; the oldest waiting is
    the first row of one such range). Conflicts are counted from the unresolved copies, which
    are few.
    """
    cap = SEARCH_COUNT_CAP if filters.q else COUNT_CAP
    where = _conditions(filters, viewer, with_state=False)

    def matching(*clauses: ColumnElement[bool], columns: tuple = (Entry.id,)) -> Select[Any]:
        return _joined(select(*columns).select_from(Entry), filters).where(*where, *clauses)

    unreviewed = Entry.review_state == ReviewState.UNREVIEWED.value
    theirs = _waits_for(viewer)
    oldest = (matching(unreviewed, *theirs, columns=(Entry.received_at,))
              .order_by(Entry.received_at, Entry.id).limit(1))
    numbers = db.session.execute(select(
        _capped(matching(unreviewed, *theirs), viewer, cap),
        _capped(matching(overdue_clause(), *theirs), viewer, cap),
        _capped(matching(Entry.review_state == ReviewState.RETURNED.value), viewer, cap),
        _capped(matching(_has_conflict(), *theirs), viewer, cap, in_order=False),
        oldest.scalar_subquery(),
    )).one()
    counts = {name: _count(number, cap) for name, number in zip(DESK_COUNTS, numbers[:4], strict=True)}
    return counts, numbers[4]


# A postbox item recorded by its photo alone has no summary to show.
PHOTO_ONLY = "Photo of the card"


def _summary(*texts: str | None, limit: int = SUMMARY_LENGTH) -> str:
    """The first non-empty text on one line, cut to about ``limit`` characters (at a word if one is near)."""
    text = next((t for t in texts if t and t.strip()), "")
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"


def _postboxes(visit_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The postbox of each visit, as people know it: its label and where it stood."""
    if not visit_ids:
        return {}
    rows = db.session.execute(
        select(PostboxVisit.entry_id, Postbox.label, Placement.site_name).select_from(PostboxVisit)
        .join(Postbox, Postbox.id == PostboxVisit.postbox_id)
        .outerjoin(Placement, Placement.id == PostboxVisit.placement_id)
        .where(PostboxVisit.entry_id.in_(visit_ids)))
    return {row.entry_id: f"{row.label} ({row.site_name})" if row.site_name else row.label for row in rows}


def _topics(item_ids: set[uuid.UUID]) -> dict[uuid.UUID, tuple[str, ...]]:
    """The topics of each card."""
    found: dict[uuid.UUID, list[str]] = {}
    if item_ids:
        for item_id, topic in db.session.execute(select(PostboxItemTopic.item_id, PostboxItemTopic.topic)
                                                 .where(PostboxItemTopic.item_id.in_(item_ids))
                                                 .order_by(PostboxItemTopic.topic)):
            found.setdefault(item_id, []).append(topic)
    return {key: tuple(value) for key, value in found.items()}


def _where(row: Any, postbox: str | None) -> str:
    """Where it happened: the place written, else the postbox, else 'GPS' when only coordinates say."""
    text = " ".join((row.location_text or row.item_location or "").split())
    if text:
        return text
    if postbox:
        return postbox
    return "GPS" if row.latitude is not None or row.item_latitude is not None else ""


def queue_page(queue: Queue | Filters, viewer: Viewer, after: tuple[datetime, uuid.UUID] | None) -> Page:
    """One page of the queue in its order, starting after position ``after`` (None: the first)."""
    if isinstance(queue, Filters):
        queue = Queue(queue)
    filters = queue.filters
    query = _joined(select(Entry.id, Entry.type, Entry.occurred_at, Entry.received_at, Entry.review_state,
                           Entry.author_id, User.display_name, User.username, Encounter.kind, Encounter.grounds,
                           Encounter.notes, Encounter.location_text, Encounter.latitude, Encounter.outcome,
                           PostboxItem.summary, PostboxItem.visit_id,
                           PostboxItem.location_text.label("item_location"),
                           PostboxItem.latitude.label("item_latitude"),
                           PostboxVisit.notes.label("visit_notes"), PostboxVisit.item_count,
                           _has_conflict().label("conflict")).select_from(Entry))
    query = query.where(*_conditions(queue, viewer, with_state=True))
    rows, cursor = keyset_page(query, queue.keyset, PAGE_SIZE, after)
    postboxes = _postboxes({row.id for row in rows if row.type == "postbox_visit"}
                           | {row.visit_id for row in rows if row.type == "postbox_item"})
    topics = _topics({row.id for row in rows if row.type == "postbox_item"})
    now = utcnow()
    page_rows = []
    waits = set()  # the rows that wait for the viewer (for a reviewer, not their own)
    for row in rows:
        if not is_reviewer(viewer.role) or row.author_id != viewer.user_id:
            waits.add(row.id)
        postbox = postboxes.get(row.id if row.type == "postbox_visit" else row.visit_id)
        if row.type == "postbox_item":
            summary = _summary(row.summary) or PHOTO_ONLY
        else:
            summary = _summary(row.grounds, row.notes, row.visit_notes)
        page_rows.append(QueueRow(
            id=row.id, type=row.type, kind=row.kind, officer=row.display_name, officer_username=row.username,
            occurred_at=row.occurred_at, received_at=row.received_at, state=row.review_state, summary=summary,
            overdue=is_overdue(row.review_state, row.received_at, now), outcome=row.outcome,
            where=_where(row, postbox), topics=topics.get(row.id, ()), postbox=postbox,
            cards=row.item_count if row.type == "postbox_visit" else None, conflict=bool(row.conflict)))
    if after is None and cursor is None and not filters.state and not queue.needs:
        # Every match is on this one page: count them here rather than read them all again
        # (for a search that matches little, the second read is the whole cost).
        theirs = [row for row in page_rows if row.id in waits]
        waiting = [row for row in theirs if row.state == ReviewState.UNREVIEWED]
        counts = {"waiting": StateCount(len(waiting)), "overdue": StateCount(sum(row.overdue for row in theirs)),
                  "returned": StateCount(sum(row.state == ReviewState.RETURNED for row in page_rows)),
                  "conflicts": StateCount(sum(row.conflict for row in theirs))}
        oldest = min((row.received_at for row in waiting), default=None)
    else:
        counts, oldest = count_desk(filters, viewer)
    return Page(rows=page_rows, after=cursor, counts=counts, oldest_waiting=oldest)


def is_overdue(state: str, received_at: datetime, now: datetime) -> bool:
    """:func:`overdue_clause` for a row already read."""
    return state == ReviewState.UNREVIEWED and received_at < now - OVERDUE_AFTER


def waited(since: datetime | None, now: datetime | None = None) -> str | None:
    """How long something has waited, as people say it: '3 days 4 h', '5 h 12 min', '12 min'."""
    if since is None:
        return None
    if since.tzinfo is None:
        since = since.replace(tzinfo=(now or utcnow()).tzinfo)
    minutes = max(0, int(((now or utcnow()) - since).total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


@dataclass(frozen=True)
class Waiting:
    """The next entry waiting in a queue, enough to name it."""

    id: uuid.UUID
    type: str
    kind: str | None
    officer: str


def next_waiting(queue: Queue, viewer: Viewer, current: Entry) -> Waiting | None:
    """The next unreviewed entry of ``queue`` after ``current`` in its order (from the start if none after)."""
    waiting = queue.waiting()
    query = (_joined(select(Entry.id, Entry.type, Entry.received_at, Encounter.kind, User.display_name)
                     .select_from(Entry))
             .where(*_conditions(waiting, viewer, with_state=True), Entry.id != current.id))
    keyset = waiting.keyset
    for clause in (keyset.beyond((current.received_at, current.id)), None):
        statement = query.where(clause) if clause is not None else query
        row = db.session.execute(statement.order_by(*keyset.order()).limit(1)).first()
        if row is not None:
            return Waiting(id=row.id, type=row.type, kind=row.kind, officer=row.display_name)
    return None


def position(queue: Queue, viewer: Viewer, entry: Entry) -> str | None:
    """'3 of 17 waiting': where the entry stands among the queue's unreviewed ones; None if not among them."""
    waiting = queue.waiting()
    cap = SEARCH_COUNT_CAP if waiting.filters.q else COUNT_CAP
    where = _conditions(waiting, viewer, with_state=True)
    keyset = waiting.keyset
    before = dataclasses.replace(keyset, descending=not keyset.descending).beyond((entry.received_at, entry.id))

    def matching(*clauses: ColumnElement[bool]) -> Select[Any]:
        return _joined(select(Entry.id).select_from(Entry), waiting.filters).where(*where, *clauses)

    here, ahead, total = db.session.execute(select(
        _capped(matching(Entry.id == entry.id), viewer, 1), _capped(matching(before), viewer, cap),
        _capped(matching(), viewer, cap))).one()
    if not here:
        return None
    return f"{_count(ahead + 1, cap)} of {_count(total, cap)} waiting"
