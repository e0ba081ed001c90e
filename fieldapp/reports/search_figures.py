"""Stop and search figures: searches, arrests and finds by group, drugs, disproportionality.

The numbers a scrutiny panel asks for, counted in the database (one GROUP BY
per table, never rows in memory) over stop and search encounters whose
``occurred_at`` lies in the period (whole UK days). A team of ``None`` means
every team (admins only).

Small numbers (rules kept here, shown on the page under "How this is counted"):

- any count from 1 to 4 is shown as ``<5``: with a small area and a short
  period a handful of searches can point at a person. 0 is shown as 0.
- a rate, share or ratio is drawn only from counts that are themselves shown
  exactly: its denominator must be at least 5 and its numerator 0 or at least
  5 (a share of 2 in 40 would give the 2 away); otherwise it is ``—``.
- the ratio to the White group also needs at least 5 searches of White people.
- complementary (secondary) suppression, :func:`complementary`: where a set of
  cells is shown with its sum (a table column and its total row; a broad
  group's count and its self-defined ethnicities; the broad groups, "Not
  stated", "Not recorded" and the total), one hidden cell could be worked out
  by subtraction. So whenever exactly one cell of such a set is hidden, the
  smallest other non-zero cell of the set is hidden too (shown as ``c``, the
  ONS mark for "confidential", since it may be 5 or more), over and over
  until no set has a single hidden cell. A broad group's count is a cell of
  both its own set and the total's, so a hidden group cannot be worked out
  from its ethnicities either. Totals are never hidden this way (only by the
  first rule), and no rate, share or ratio is drawn from a hidden cell.

Possession-only drug searches (:data:`POSSESSION_OUTCOMES`): the record has no
field saying "possession" or "supply", so a drug search (object of search
"Controlled drugs") counts as possession-only when its outcome was linked to
the object of search and the outcome is one given for possession of drugs,
never for supply: a khat or cannabis warning, a community resolution or a
penalty notice for disorder. An arrest, summons or caution may be for
either, so it is not counted as possession-only.

Finds, as the Home Office counts them: a search whose outcome was linked to
the object of the search and was not "no further action"
(:data:`NO_FURTHER_ACTION`); a linked no further action is not a find.

Disproportionality, as the Home Office publishes it: searches of each broad
ethnic group per 1,000 residents of that group (census population entered by
an admin, :class:`~fieldapp.models.PopulationGroup`), and the ratio of each
group's rate to the White group's. Each self-defined ethnicity belongs to its
broad group by the prefix of its value (:data:`BROAD_GROUPS`); "Other ethnic
group - Not stated" and searches with no ethnicity recorded belong to no group
and are in no group's rate.

The by-officer table of grounds assessments (:func:`assessments_by_officer`)
is for supervisors only and is never part of :class:`SearchFigures`, which the
printable scrutiny pack shows to a community panel.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Integer, case, func, select

from fieldapp.extensions import db
from fieldapp.models import Encounter, Entry, PopulationGroup, Review, User
from fieldapp.periods import Period
from fieldapp.reference import reference_lists

#: Counts below this (but above 0) are shown as "<5", and no rate is drawn from them.
SMALL = 5
SUPPRESSED = "<5"
#: A count hidden so that a "<5" cannot be worked out by subtraction (it may be 5 or more).
CONFIDENTIAL = "c"
NO_RATE = "—"

ARREST = "Arrest"
#: Never a find, even when recorded as linked to the object of search.
NO_FURTHER_ACTION = "A no further action disposal"
DRUGS = "Controlled drugs"
#: Outcomes given for possession of drugs, never for supply (see the module's docstring).
POSSESSION_OUTCOMES = ("Khat or Cannabis warning", "Community resolution", "Penalty Notice for Disorder")
#: Broad ethnic groups as the Home Office publishes them, and the prefix of their self-defined values.
BROAD_GROUPS = (
    ("Asian", "Asian/Asian British - "),
    ("Black", "Black/African/Caribbean/Black British - "),
    ("Mixed", "Mixed/Multiple ethnic groups - "),
    ("White", "White - "),
    ("Other", "Other ethnic group - "),
)
#: Belongs to no group: not counted in any group's rate.
NOT_STATED = "Other ethnic group - Not stated"
REFERENCE_GROUP = "White"
GROUP_NAMES = tuple(name for name, _ in BROAD_GROUPS)
WEAK_ASSESSMENTS = ("weak", "insufficient")


def count(n: int) -> str:
    """A count as shown: 1 to 4 become ``<5``."""
    return SUPPRESSED if 0 < n < SMALL else str(n)


def exact(n: int) -> bool:
    """Whether a count is shown exactly (0 or at least 5), so that a rate may be drawn from it."""
    return n == 0 or n >= SMALL


def share(part: int, whole: int) -> str:
    """``part`` as a percentage of ``whole`` (one decimal), or ``—`` when drawn from a small count."""
    if whole < SMALL or not exact(part):
        return NO_RATE
    return f"{100 * part / whole:.1f}%"


def complementary(values: Mapping[Hashable, int], sets: Iterable[Sequence[Hashable]],
                  fixed: Collection[Hashable] = ()) -> set[Hashable]:
    """The cells to hide besides those under 5, so that no hidden cell can be worked out by subtraction.

    ``values`` maps each cell to its count; each of ``sets`` is cells whose sum
    is shown (the sum's own cell among them, e.g. a column and its total).
    While some set has exactly one hidden cell (under 5, or already hidden
    here), its smallest other non-zero cell not in ``fixed`` (totals) is hidden
    too (ties: the first in the set). Returns only the cells hidden here.
    """
    sets = [list(cells) for cells in sets]
    hidden: set[Hashable] = set()

    def is_hidden(cell: Hashable) -> bool:
        return cell in hidden or not exact(values.get(cell, 0))

    changed = True
    while changed:
        changed = False
        for cells in sets:
            if sum(is_hidden(cell) for cell in cells) != 1:
                continue
            others = [(values.get(cell, 0), i, cell) for i, cell in enumerate(cells)
                      if not is_hidden(cell) and cell not in fixed and values.get(cell, 0) > 0]
            if others:  # none: the hidden cell is the set's only non-zero one, and so is its sum
                hidden.add(min(others, key=lambda found: found[:2])[2])
                changed = True
    return hidden


def broad_group(ethnicity: str | None) -> str | None:
    """The broad group of a self-defined ethnicity; None for not stated, not recorded or unknown."""
    if ethnicity is None or ethnicity == NOT_STATED:
        return None
    for name, prefix in BROAD_GROUPS:
        if ethnicity.startswith(prefix):
            return name
    return None


@dataclass(frozen=True)
class Row:
    """One group's searches, arrests and finds (outcome linked to the object of search), as shown."""

    label: str
    searches: str
    arrests: str
    arrest_rate: str
    finds: str
    find_rate: str

    @classmethod
    def of(cls, label: str, searches: int, arrests: int, finds: int, hidden: Collection[str] = ()) -> Row:
        """The row for these counts, suppressed; ``hidden`` names the columns hidden as ``c``."""
        def shown(column: str, n: int) -> str:
            return CONFIDENTIAL if column in hidden else count(n)

        def rate(column: str, n: int) -> str:
            return NO_RATE if {column, "searches"} & set(hidden) else share(n, searches)

        return cls(label, shown("searches", searches), shown("arrests", arrests), rate("arrests", arrests),
                   shown("finds", finds), rate("finds", finds))


@dataclass(frozen=True)
class GroupRate:
    """One broad group's searches per 1,000 residents and its ratio to the White group's rate."""

    group: str
    searches: str
    population: str
    per_thousand: str
    ratio: str


@dataclass(frozen=True)
class DrugSearches:
    """Drug searches, those with a possession-only outcome, and their share."""

    searches: str
    possession: str
    share: str


@dataclass
class SearchFigures:
    """Every stop and search figure of a period and team, already suppressed: strings to show as they are.

    ``by_officer`` is deliberately absent: the scrutiny pack shows this to a community panel.
    """

    start: date | None
    end: date | None
    team_id: int | None
    total: Row
    by_ethnicity: list[Row]
    by_age: list[Row]
    by_legislation: list[Row]
    drugs: DrugSearches
    disproportionality: list[GroupRate]
    #: Where the population came from, e.g. "Oxford, Census 2021 TS021 (2021)"; None when none entered.
    population_source: str | None
    possession_outcomes: tuple[str, ...] = field(default=POSSESSION_OUTCOMES)

    @property
    def has_population(self) -> bool:
        """Whether an admin has entered the population (else no rate per 1,000 can be shown)."""
        return self.population_source is not None


def _searches(period: Period, team_id: int | None):
    """SELECT from stop and search encounters in the period and team (columns added by the caller)."""
    statement = (select().select_from(Entry).join(Encounter, Encounter.entry_id == Entry.id)
                 .where(Encounter.kind == "stop_search", *period.clauses(Entry.occurred_at)))
    return statement if team_id is None else statement.where(Entry.team_id == team_id)


def _flag(condition) -> object:
    """1 when ``condition`` holds, else 0: summed in the database."""
    return func.sum(case((condition, 1), else_=0))


def _find() -> object:
    """A find: the outcome was linked to the object of search and was not no further action."""
    return (Encounter.outcome_linked_to_object_of_search.is_(True)
            & Encounter.outcome.is_distinct_from(NO_FURTHER_ACTION))


def _grouped(period: Period, team_id: int | None, column) -> dict[object, tuple[int, int, int]]:
    """``value -> (searches, arrests, finds)`` of ``column``, grouped in the database."""
    rows = db.session.execute(_searches(period, team_id).add_columns(
        column, func.count(), _flag(Encounter.outcome == ARREST), _flag(_find())).group_by(column))
    return {value: (n, int(arrests or 0), int(finds or 0)) for value, n, arrests, finds in rows}


COLUMNS = ("searches", "arrests", "finds")


def _rows(found: dict[object, tuple[int, int, int]], list_name: str, hidden: Collection = ()) -> list[Row]:
    """One row per value found, labelled, in the reference list's order; None last as "Not recorded".

    ``hidden`` holds the cells ``(list_name, value, column)`` hidden as ``c`` (:func:`complementary`).
    """
    lists = reference_lists()
    order = [item["value"] for item in lists.lists[list_name]]
    keys = [k for k in order if k in found] + sorted(k for k in found if k not in order and k is not None)

    def row(label: str, key: object) -> Row:
        return Row.of(label, *found[key], hidden={c for c in COLUMNS if (list_name, key, c) in hidden})

    rows = [row(lists.label(list_name, key), key) for key in keys]
    if None in found:
        rows.append(row("Not recorded", None))
    return rows


def _group_searches(by_ethnicity: dict[object, tuple[int, int, int]]) -> dict[str, int]:
    """Searches of each broad group (rule in the module's docstring)."""
    searches = dict.fromkeys(GROUP_NAMES, 0)
    for ethnicity, (n, _, _) in by_ethnicity.items():
        group = broad_group(ethnicity if isinstance(ethnicity, str) else None)
        if group is not None:
            searches[group] += n
    return searches


def _hidden(total: tuple[int, int, int], tables: dict[str, dict[object, tuple[int, int, int]]]) -> set:
    """The cells to show as ``c`` (:func:`complementary`) over every table whose sums are shown.

    Cells: ``(list_name, value, column)`` of the group tables, ``("total", column)`` (never hidden
    here) and ``("group", name)``: a broad group's searches.
    """
    values: dict[Hashable, int] = {("total", c): n for c, n in zip(COLUMNS, total, strict=True)}
    sets: list[list[Hashable]] = []
    for list_name, found in tables.items():
        for i, column in enumerate(COLUMNS):
            values |= {(list_name, key, column): counts[i] for key, counts in found.items()}
            sets.append([("total", column), *((list_name, key, column) for key in found)])
    ethnicities = tables["self_defined_ethnicities"]
    groups = _group_searches(ethnicities)
    values |= {("group", name): n for name, n in groups.items()}
    members: dict[str | None, list[Hashable]] = {name: [] for name in (*GROUP_NAMES, None)}
    for key in ethnicities:
        members[broad_group(key if isinstance(key, str) else None)].append(
            ("self_defined_ethnicities", key, "searches"))
    sets += [[("group", name), *members[name]] for name in GROUP_NAMES]
    sets.append([("total", "searches"), *(("group", name) for name in GROUP_NAMES), *members[None]])
    return complementary(values, sets, fixed={("total", c) for c in COLUMNS})


def _drugs(period: Period, team_id: int | None) -> DrugSearches:
    """Drug searches and the possession-only ones among them (rule in the module's docstring)."""
    possession = (Encounter.outcome.in_(POSSESSION_OUTCOMES)
                  & Encounter.outcome_linked_to_object_of_search.is_(True))
    searches, possessions = db.session.execute(_searches(period, team_id).add_columns(
        func.count(), _flag(possession)).where(Encounter.object_of_search == DRUGS)).one()
    possessions = int(possessions or 0)
    return DrugSearches(count(searches), count(possessions), share(possessions, searches))


def _population() -> tuple[dict[str, int], str | None]:
    """Population by broad group, and where it came from (None when nothing is entered)."""
    groups = list(db.session.scalars(select(PopulationGroup).order_by(PopulationGroup.ethnic_group)))
    if not groups:
        return {}, None
    sources = sorted({f"{g.area}, {g.source} ({g.year})" for g in groups})
    return {g.ethnic_group: g.population for g in groups}, "; ".join(sources)


def _per_thousand(searches: int, population: int | None) -> float | None:
    """Searches per 1,000 residents, None when it may not be drawn (small count, no population)."""
    if not population or not exact(searches):
        return None
    return 1000 * searches / population


def _disproportionality(by_ethnicity: dict[object, tuple[int, int, int]],
                        population: dict[str, int], hidden: Collection = ()) -> list[GroupRate]:
    """Each broad group's rate per 1,000 and its ratio to the White group's.

    ``hidden`` holds ``("group", name)`` for a group whose searches are shown as ``c``: no rate from it.
    """
    searches = _group_searches(by_ethnicity)
    rates = {group: None if ("group", group) in hidden else _per_thousand(searches[group], population.get(group))
             for group in GROUP_NAMES}
    reference = rates[REFERENCE_GROUP] if searches[REFERENCE_GROUP] >= SMALL else None
    found = []
    for group in GROUP_NAMES:
        rate = rates[group]
        ratio = (f"{rate / reference:.1f}" if rate is not None and reference and searches[group] >= SMALL
                 else NO_RATE)
        found.append(GroupRate(group, CONFIDENTIAL if ("group", group) in hidden else count(searches[group]),
                               f"{population[group]:,}" if group in population else NO_RATE,
                               NO_RATE if rate is None else f"{rate:.1f}", ratio))
    return found


def figures_for(period: Period, team_id: int | None) -> SearchFigures:
    """Every figure of :class:`SearchFigures` for a period (as the reports read it) and team."""
    searches, arrests, finds = db.session.execute(_searches(period, team_id).add_columns(
        func.count(), _flag(Encounter.outcome == ARREST), _flag(_find()))).one()
    total = (searches, int(arrests or 0), int(finds or 0))
    tables = {"self_defined_ethnicities": _grouped(period, team_id, Encounter.self_defined_ethnicity),
              "age_ranges": _grouped(period, team_id, Encounter.age_range),
              "legislation": _grouped(period, team_id, Encounter.legislation)}
    hidden = _hidden(total, tables)
    population, source = _population()
    return SearchFigures(
        start=period.first, end=period.last, team_id=team_id,
        total=Row.of("All searches", *total),
        by_ethnicity=_rows(tables["self_defined_ethnicities"], "self_defined_ethnicities", hidden),
        by_age=_rows(tables["age_ranges"], "age_ranges", hidden),
        by_legislation=_rows(tables["legislation"], "legislation", hidden),
        drugs=_drugs(period, team_id),
        disproportionality=_disproportionality(tables["self_defined_ethnicities"], population, hidden),
        population_source=source,
    )


def search_figures(team_id: int | None, start: date, end: date) -> SearchFigures:
    """The figures of searches from ``start`` to ``end`` (UK days, both included) for a team (None: all).

    For the printable scrutiny pack: no by-officer table, every count already suppressed.
    """
    return figures_for(Period(start, end), team_id)


@dataclass(frozen=True)
class OfficerAssessments:
    """One officer's searches in the period, how many have a grounds assessment, and the weak share."""

    officer: str
    searches: int
    assessed: int
    weak_or_insufficient: int

    @property
    def weak_share(self) -> str:
        """Weak or insufficient as a share of those assessed (shown exactly: supervision, not publication)."""
        return f"{100 * self.weak_or_insufficient / self.assessed:.1f}%" if self.assessed else NO_RATE


def _officer_name(display_name: str, shoulder_number: str | None) -> str:
    """``PC 1234 Jo Bloggs`` style: the shoulder number, when there is one, then the name."""
    return f"{shoulder_number} {display_name}" if shoulder_number else display_name


def assessments_by_officer(period: Period, team_id: int | None) -> list[OfficerAssessments]:
    """Per officer (the entry's author), the share of their searches assessed weak or insufficient.

    Each search counts by its latest review that assessed the grounds (a later
    decision without an assessment does not undo it). Supervisors only: never
    part of anything printed for the public. Counts are exact, not suppressed:
    they describe officers' work, which a supervisor can open record by record.
    """
    # Only the reviews of the period's searches are ranked (the index on entry and time serves it).
    latest = (_searches(period, team_id)
              .add_columns(Review.entry_id, Review.grounds_assessment,
                           func.row_number().over(partition_by=Review.entry_id,
                                                  order_by=(Review.created_at.desc(), Review.id.desc())).label("n"))
              .join(Review, Review.entry_id == Entry.id)
              .where(Review.grounds_assessment.is_not(None)).subquery())
    assessed = func.sum(case((latest.c.grounds_assessment.is_not(None), 1), else_=0))
    weak = func.sum(case((latest.c.grounds_assessment.in_(WEAK_ASSESSMENTS), 1), else_=0))
    statement = (_searches(period, team_id)
                 .add_columns(User.id, User.display_name, User.shoulder_number, func.count(),
                              assessed.cast(Integer), weak.cast(Integer))
                 .join(User, User.id == Entry.author_id)
                 .outerjoin(latest, (latest.c.entry_id == Entry.id) & (latest.c.n == 1))
                 .group_by(User.id, User.display_name, User.shoulder_number)
                 .order_by(User.display_name, User.id))
    return _officers(db.session.execute(statement))


def _officers(rows: Iterable[tuple]) -> list[OfficerAssessments]:
    """The rows of :func:`assessments_by_officer` as objects."""
    return [OfficerAssessments(_officer_name(name, number), n, int(assessed or 0), int(weak or 0))
            for _, name, number, n, assessed, weak in rows]
