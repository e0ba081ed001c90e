"""The figures behind the reports: counts grouped in the database, never rows in memory.

Every query groups by category (and by local day, folded into ISO weeks
here), so the work done in Python is bounded by days x categories, not by
entries. Days are UK days, like the filters: PostgreSQL converts the time
zone itself; SQLite has no time zones, so it groups by UTC hour and each hour
is put in its local day here (UK offsets are whole hours).
A team of ``None`` means every team (admins only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, case, func, literal_column, select

from fieldapp.periods import LOCAL_ZONE, Period
from fieldapp.extensions import db
from fieldapp.models import (
    Encounter,
    Entry,
    Placement,
    Postbox,
    PostboxItem,
    PostboxItemTopic,
    PostboxVisit,
    ReviewState,
)
from fieldapp.reference import reference_lists
from fieldapp.review.queries import OVERDUE_AFTER  # one definition of overdue, the queue's

MAX_SERIES = 7  # more colours than this cannot be told apart: the rest become "Other topics"


@dataclass
class Weekly:
    """Counts per ISO week (Mondays) for each series; ``series`` is ``[(label, counts per week)]``.

    ``rows`` (week, its count in each series, their total) are made once here,
    for the table: a template that summed the series for every week it drew
    did work growing with the square of the number of weeks.
    """

    weeks: list[date]
    series: list[tuple[str, list[int]]]
    rows: list[tuple[date, list[int], int]] = field(init=False)

    def __post_init__(self) -> None:
        """Transpose the series into one row per week, with its total."""
        by_week = list(zip(*(values for _, values in self.series))) if self.series else [()] * len(self.weeks)
        self.rows = [(week, list(counts), sum(counts)) for week, counts in zip(self.weeks, by_week, strict=True)]


@dataclass
class Counts:
    """``rows`` of ``(label, count)`` with the total, for a bar chart and its table."""

    rows: list[tuple[str, int]]

    @property
    def total(self) -> int:
        """The sum of the counts."""
        return sum(count for _, count in self.rows)

    def share(self, count: int) -> str:
        """``count`` as a percentage of the total, e.g. ``12.5%``."""
        return f"{100 * count / self.total:.1f}%" if self.total else "0%"


def _day(column) -> ColumnElement:
    """The local day (PostgreSQL) or UTC hour (SQLite) of a timestamp column, to group by."""
    if db.engine.dialect.name == "postgresql":
        # Literals, not bound parameters: GROUP BY must repeat the same expression.
        return func.date(func.timezone(literal_column(f"'{LOCAL_ZONE.key}'"), column))
    return func.strftime(literal_column("'%Y-%m-%dT%H:00:00'"), column)


def _as_date(value: date | str) -> date:
    """The local day of what :func:`_day` returned."""
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC).astimezone(LOCAL_ZONE).date()


def _monday(day: date) -> date:
    """The Monday starting the ISO week of ``day``."""
    return day - timedelta(days=day.weekday())


def _weeks(period: Period) -> list[date]:
    """The Mondays of every week the period touches."""
    first, last = _monday(period.first), _monday(period.last)
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def _scoped(statement: Select, period: Period, team_id: int | None, entry_type: str) -> Select:
    """Restrict ``statement`` to entries of ``entry_type`` in the period and team."""
    statement = statement.where(Entry.type == entry_type, *period.clauses(Entry.occurred_at))
    return statement if team_id is None else statement.where(Entry.team_id == team_id)


def _weekly(rows: Iterable[tuple], period: Period, list_name: str) -> Weekly:
    """Fold ``(day, key, count)`` rows into weeks, series in reference-list order."""
    weeks = _weeks(period)
    at = {week: i for i, week in enumerate(weeks)}
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(weeks))
    for day, key, count in rows:
        counts[key][at[_monday(_as_date(day))]] += count
    lists = reference_lists()
    order = [item["value"] for item in lists.lists[list_name]]
    keys = [k for k in order if k in counts] + sorted(k for k in counts if k not in order)
    series = [(lists.label(list_name, key), counts[key]) for key in keys]
    if len(series) > MAX_SERIES:
        series.sort(key=lambda pair: -sum(pair[1]))
        rest = series[MAX_SERIES - 1:]
        series = series[:MAX_SERIES - 1] + [
            ("Other topics", [sum(values[i] for _, values in rest) for i in range(len(weeks))])]
    return Weekly(weeks, series)


def _in_list_order(rows: Iterable[tuple], list_name: str, unknown: str = "Not recorded") -> Counts:
    """``(value, count)`` rows labelled and in the reference list's order; None becomes ``unknown``."""
    lists = reference_lists()
    found = {value: count for value, count in rows}
    order = [item["value"] for item in lists.lists[list_name]]
    keys = [k for k in order if k in found] + sorted(k for k in found if k not in order and k is not None)
    labelled = [(lists.label(list_name, key), found[key]) for key in keys]
    if None in found:
        labelled.append((unknown, found[None]))
    return Counts(labelled)


def dashboard(period: Period, team_id: int | None, now: datetime) -> dict[str, object]:
    """Every figure of the dashboard for ``period`` and ``team_id``."""
    day = _day(Entry.occurred_at)
    count = func.count()
    kinds = db.session.execute(_scoped(
        select(day, Encounter.kind, count).select_from(Entry).join(Encounter, Encounter.entry_id == Entry.id),
        period, team_id, "encounter").group_by(day, Encounter.kind))
    topics = db.session.execute(_scoped(
        select(day, PostboxItemTopic.topic, count).select_from(Entry).join(PostboxItemTopic, PostboxItemTopic.item_id == Entry.id),
        period, team_id, "postbox_item").group_by(day, PostboxItemTopic.topic))

    def searches(column) -> list[tuple]:
        """Stop and searches in the period counted by ``column``."""
        statement = _scoped(select(column, count).select_from(Entry).join(Encounter, Encounter.entry_id == Entry.id)
                            .where(Encounter.kind == "stop_search"), period, team_id, "encounter")
        return list(db.session.execute(statement.group_by(column)))

    linked = {value: n for value, n in searches(Encounter.outcome_linked_to_object_of_search)}
    backlog = select(count).select_from(Entry).where(Entry.review_state == ReviewState.UNREVIEWED.value)
    if team_id is not None:
        backlog = backlog.where(Entry.team_id == team_id)
    return {
        "kinds": _weekly(kinds, period, "encounter_kinds"),
        "topics": _weekly(topics, period, "topics"),
        "outcomes": _in_list_order(searches(Encounter.outcome), "outcomes"),
        "linked": Counts([("Linked (True)", linked.get(True, 0)), ("Not linked (False)", linked.get(False, 0)),
                          ("Not recorded", linked.get(None, 0))]),
        "ethnicity": _in_list_order(searches(Encounter.self_defined_ethnicity), "self_defined_ethnicities"),
        "backlog": Counts([("Unreviewed", db.session.scalar(backlog) or 0),
                           ("Unreviewed for more than 72 hours",
                            db.session.scalar(backlog.where(Entry.received_at < now - OVERDUE_AFTER)) or 0)]),
    }


def forum(period: Period, team_id: int | None) -> dict[str, object]:
    """The community forum's figures: counts and categories only, never what a resident wrote."""
    count = func.count()
    items = select().select_from(Entry).join(PostboxItem, PostboxItem.entry_id == Entry.id)
    by_topic = db.session.execute(_scoped(
        items.add_columns(PostboxItemTopic.topic, count)
        .join(PostboxItemTopic, PostboxItemTopic.item_id == Entry.id), period, team_id, "postbox_item")
        .group_by(PostboxItemTopic.topic))
    topics = _in_list_order(by_topic, "topics")
    topics.rows.sort(key=lambda pair: -pair[1])

    # Where: the place written on the card, unless the card identifies its
    # author (then the place could too), else the site the box stood at.
    written = func.nullif(func.trim(PostboxItem.location_text), literal_column("''"))
    area = func.coalesce(case((PostboxItem.identifies_author.is_(True), None), else_=written),
                         Placement.site_name, Postbox.label)
    by_area = db.session.execute(_scoped(
        items.add_columns(area, count)
        .join(PostboxVisit, PostboxVisit.entry_id == PostboxItem.visit_id)
        .join(Postbox, Postbox.id == PostboxVisit.postbox_id)
        .outerjoin(Placement, Placement.id == PostboxVisit.placement_id), period, team_id, "postbox_item")
        .group_by(area).order_by(count.desc(), area))

    actions = db.session.execute(_scoped(
        items.add_columns(PostboxItemTopic.topic, PostboxItem.action, count)
        .join(PostboxItemTopic, PostboxItemTopic.item_id == Entry.id), period, team_id, "postbox_item")
        .group_by(PostboxItemTopic.topic, PostboxItem.action))
    lists = reference_lists()
    done: dict[str, dict[str, int]] = defaultdict(dict)
    for topic, action, n in actions:
        done[lists.label("topics", topic)][action] = n

    site = func.coalesce(Placement.site_name, Postbox.label)
    visits = db.session.execute(_scoped(
        select(site, Postbox.label, count).select_from(Entry)
        .join(PostboxVisit, PostboxVisit.entry_id == Entry.id)
        .join(Postbox, Postbox.id == PostboxVisit.postbox_id)
        .outerjoin(Placement, Placement.id == PostboxVisit.placement_id), period, team_id, "postbox_visit")
        .group_by(site, Postbox.label).order_by(site, Postbox.label))
    return {
        "topics": topics,
        "areas": Counts([(name, n) for name, n in by_area]),
        "actions": [(item["value"], item["label"]) for item in lists.lists["item_actions"]],
        "done": [(label, done[label]) for label, _ in topics.rows],
        "visits": [(name, label, n) for name, label, n in visits],
    }
