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

Possession-only drug searches (:data:`POSSESSION_OUTCOMES`): the record has no
field saying "possession" or "supply", so a drug search (object of search
"Controlled drugs") counts as possession-only when its outcome was linked to
the object of search and the outcome is one given for possession of drugs,
never for supply: a khat or cannabis warning, a community resolution or a
penalty notice for disorder. An arrest, summons or caution may be for
either, so it is not counted as possession-only.

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

from collections.abc import Iterable
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
NO_RATE = "—"

ARREST = "Arrest"
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
    def of(cls, label: str, searches: int, arrests: int, finds: int) -> Row:
        """The row for these counts, suppressed."""
        return cls(label, count(searches), count(arrests), share(arrests, searches), count(finds),
                   share(finds, searches))


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


def _grouped(period: Period, team_id: int | None, column) -> dict[object, tuple[int, int, int]]:
    """``value -> (searches, arrests, finds)`` of ``column``, grouped in the database."""
    rows = db.session.execute(_searches(period, team_id).add_columns(
        column, func.count(), _flag(Encounter.outcome == ARREST),
        _flag(Encounter.outcome_linked_to_object_of_search.is_(True))).group_by(column))
    return {value: (n, int(arrests or 0), int(finds or 0)) for value, n, arrests, finds in rows}


def _rows(found: dict[object, tuple[int, int, int]], list_name: str) -> list[Row]:
    """One row per value found, labelled, in the reference list's order; None last as "Not recorded"."""
    lists = reference_lists()
    order = [item["value"] for item in lists.lists[list_name]]
    keys = [k for k in order if k in found] + sorted(k for k in found if k not in order and k is not None)
    rows = [Row.of(lists.label(list_name, key), *found[key]) for key in keys]
    if None in found:
        rows.append(Row.of("Not recorded", *found[None]))
    return rows


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
                        population: dict[str, int]) -> list[GroupRate]:
    """Each broad group's rate per 1,000 and its ratio to the White group's."""
    searches = dict.fromkeys(GROUP_NAMES, 0)
    for ethnicity, (n, _, _) in by_ethnicity.items():
        group = broad_group(ethnicity if isinstance(ethnicity, str) else None)
        if group is not None:
            searches[group] += n
    rates = {group: _per_thousand(searches[group], population.get(group)) for group in GROUP_NAMES}
    reference = rates[REFERENCE_GROUP] if searches[REFERENCE_GROUP] >= SMALL else None
    found = []
    for group in GROUP_NAMES:
        rate = rates[group]
        ratio = (f"{rate / reference:.1f}" if rate is not None and reference and searches[group] >= SMALL
                 else NO_RATE)
        found.append(GroupRate(group, count(searches[group]),
                               f"{population[group]:,}" if group in population else NO_RATE,
                               NO_RATE if rate is None else f"{rate:.1f}", ratio))
    return found


def figures_for(period: Period, team_id: int | None) -> SearchFigures:
    """Every figure of :class:`SearchFigures` for a period (as the reports read it) and team."""
    searches, arrests, finds = db.session.execute(_searches(period, team_id).add_columns(
        func.count(), _flag(Encounter.outcome == ARREST),
        _flag(Encounter.outcome_linked_to_object_of_search.is_(True)))).one()
    by_ethnicity = _grouped(period, team_id, Encounter.self_defined_ethnicity)
    population, source = _population()
    return SearchFigures(
        start=period.first, end=period.last, team_id=team_id,
        total=Row.of("All searches", searches, int(arrests or 0), int(finds or 0)),
        by_ethnicity=_rows(by_ethnicity, "self_defined_ethnicities"),
        by_age=_rows(_grouped(period, team_id, Encounter.age_range), "age_ranges"),
        by_legislation=_rows(_grouped(period, team_id, Encounter.legislation), "legislation"),
        drugs=_drugs(period, team_id),
        disproportionality=_disproportionality(by_ethnicity, population),
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
