"""The national stop-and-search open-data format (data.police.uk), one row per search.

The columns and values are exactly those of the national return (see
DOMAIN.md): dates in ISO 8601 with their UTC offset
(``2026-11-27T10:15:00+00:00``), booleans as ``True``/``False``, an empty
cell where a value is not known.

Locations are coarsened before they leave the server, as open data must
never carry the exact place of a search. Each point is snapped to the centre
of a cell of a grid of about 100 m by 100 m: latitude in steps of
100 m / 111,320 m per degree (0.000898°), longitude in steps of 100 m at the
latitude of the cell's centre (about 0.00145° in Oxford). Every search in the
same cell gets the same coordinates, which lie at most about 71 m (half the
cell's diagonal) from the real place. Searches with no coordinates get empty
cells. No grounds, names, notes or vehicle registrations are exported.

Every text cell (the policing operation, typed by an officer, and the values
of the reference lists, which an admin may edit) is neutralised by the same
rule as every other CSV the app writes (:mod:`fieldapp.exports.formulas`):
``=HYPERLINK(...)`` as an operation's name is written ``'=HYPERLINK(...)``.
The national values never start like a formula, so they keep their exact
spelling; the dates, coordinates and booleans the app writes are left as
they are (``-1.234955`` stays a number).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from fieldapp.exports.formulas import neutralise

NATIONAL_COLUMNS = (
    "Type", "Date", "Part of a policing operation", "Policing operation", "Latitude", "Longitude", "Gender",
    "Age range", "Self-defined ethnicity", "Officer-defined ethnicity", "Legislation", "Object of search",
    "Outcome", "Outcome linked to object of search", "Removal of more than just outer clothing",
)
GRID_METRES = 100.0
METRES_PER_DEGREE_LATITUDE = 111_320.0


def coarsen(latitude: float, longitude: float) -> tuple[float, float]:
    """The centre of the ~100 m grid cell holding the point (see the module docstring)."""
    latitude_step = GRID_METRES / METRES_PER_DEGREE_LATITUDE
    centre_latitude = (math.floor(latitude / latitude_step) + 0.5) * latitude_step
    # A degree of longitude shrinks towards the poles; the floor of 0.01 only
    # guards the arithmetic near them (no English force polices there).
    shrink = max(math.cos(math.radians(centre_latitude)), 0.01)
    longitude_step = GRID_METRES / (METRES_PER_DEGREE_LATITUDE * shrink)
    centre_longitude = (math.floor(longitude / longitude_step) + 0.5) * longitude_step
    return round(centre_latitude, 6), round(centre_longitude, 6)


def national_date(moment: datetime) -> str:
    """A time as data.police.uk writes it: ISO 8601 in UTC, to the second, with its offset."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def national_bool(value: bool | None) -> str:
    """``True``/``False``, or an empty cell when not known."""
    return "" if value is None else ("True" if value else "False")


def _text(value: str | None) -> str:
    """A text cell: empty when not known, else neutralised (see the module docstring)."""
    return neutralise(value) if value else ""


def national_row(row: Any) -> list[str]:
    """One search as a row of the national file; ``row`` has the Encounter columns by name."""
    if row.latitude is not None and row.longitude is not None:
        latitude, longitude = (f"{value:.6f}" for value in coarsen(row.latitude, row.longitude))
    else:
        latitude = longitude = ""
    operation = (row.operation_name or "").strip()
    return [
        _text(row.search_type),
        national_date(row.occurred_at),
        "True" if operation else "False",
        _text(operation),
        latitude,
        longitude,
        _text(row.gender),
        _text(row.age_range),
        _text(row.self_defined_ethnicity),
        _text(row.officer_defined_ethnicity),
        _text(row.legislation),
        _text(row.object_of_search),
        _text(row.outcome),
        national_bool(row.outcome_linked_to_object_of_search),
        national_bool(row.removal_of_more_than_outer_clothing),
    ]


def national_rows(rows: Iterable[Any]) -> Iterator[list[str]]:
    """The national rows of a stream of searches, lazily."""
    for row in rows:
        yield national_row(row)
