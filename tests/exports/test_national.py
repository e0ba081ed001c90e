"""The national stop-and-search export: exact header and values, coarse places, dates checked."""

from __future__ import annotations

import math

import pytest

from fieldapp.exports.national import NATIONAL_COLUMNS, coarsen
from tests.factories import GROUNDS, encounter, stop_search
from tests.fixtures.web import read_csv

HEADER = ["Type", "Date", "Part of a policing operation", "Policing operation", "Latitude", "Longitude",
          "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity", "Legislation",
          "Object of search", "Outcome", "Outcome linked to object of search",
          "Removal of more than just outer clothing"]
URL = "/exports/stop-search.csv?from=2025-06-01&to=2025-06-30"


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def test_header_and_values_exactly(officer, supervisor, client):
    officer.push(
        stop_search(occurred_at="2025-06-01T10:15:00+01:00", notes="Named John Smith, lives at 3 Elm Road."),
        stop_search(occurred_at="2025-06-02T23:30:00+00:00", latitude=None, longitude=None,
                    location_text="Cowley Road car park", search_type="Vehicle search",
                    vehicle_registration="AB12CDE", gender=None, age_range=None, officer_defined_ethnicity=None,
                    self_defined_ethnicity="Other ethnic group - Not stated",
                    legislation="Police and Criminal Evidence Act 1984 (section 1)",
                    object_of_search="Stolen goods", outcome="Arrest", operation_name="Operation Sceptre",
                    outcome_linked_to_object_of_search=True, removal_of_more_than_outer_clothing=True),
        stop_search(occurred_at="2025-05-31T22:59:59+00:00"),  # 23:59:59 on 31 May, UK time: outside
        stop_search(occurred_at="2025-06-30T23:00:00+00:00"),  # 00:00 on 1 July, UK time: outside
        encounter("stop_account", occurred_at="2025-06-03T12:00:00+00:00"),  # not a search
    )
    response = client.get(URL)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="stop-search_2025-06-01_2025-06-30.csv"'
    rows = read_csv(response)
    assert rows[0] == HEADER == list(NATIONAL_COLUMNS)
    assert rows[1:] == [
        ["Person search", "2025-06-01T09:15:00+00:00", "False", "", "51.728800", "-1.234955", "Male", "18-24",
         "White - Irish", "White", "Misuse of Drugs Act 1971 (section 23)", "Controlled drugs",
         "A no further action disposal", "False", "False"],
        ["Vehicle search", "2025-06-02T23:30:00+00:00", "True", "Operation Sceptre", "", "", "", "",
         "Other ethnic group - Not stated", "", "Police and Criminal Evidence Act 1984 (section 1)",
         "Stolen goods", "Arrest", "True", "True"],
    ]
    text = response.get_data(as_text=True)
    for secret in (GROUNDS, "John Smith", "Elm Road", "AB12CDE", "Cowley Road", "PC1", "pc1", "51.729,", "-1.2343,"):
        assert secret not in text


def test_coordinates_are_coarsened_to_about_100_metres():
    exact = (51.7290, -1.2343)
    coarse = coarsen(*exact)
    assert coarse != exact
    assert metres_between(exact, coarse) <= 75
    # Neighbouring points share a cell: nothing finer than the grid is given away.
    assert coarsen(51.72901, -1.23431) == coarse
    for point in [(51.70, -1.30), (51.7534, -1.2401), (53.4808, -2.2426), (50.37, -4.14)]:
        assert metres_between(point, coarsen(*point)) <= 75


def test_header_is_the_first_line(officer, supervisor, client):
    body = client.get(URL).get_data(as_text=True)
    assert body.splitlines()[0] == ",".join(HEADER)


@pytest.mark.parametrize("query, field, message", [
    ("", "from", "From date is required"),
    ("?from=2025-06-01", "to", "To date is required"),
    ("?from=01/06/2025&to=2025-06-30", "from", "From must be a date written YYYY-MM-DD"),
    ("?from=2025-06-01&to=2025-02-30", "to", "To must be a date written YYYY-MM-DD"),
    ("?from=2025-06-30&to=2025-06-01", "to", "To must be the same day as From or later"),
])
def test_bad_or_missing_dates_are_refused_with_a_message(supervisor, client, query, field, message):
    response = client.get(f"/exports/stop-search.csv{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="stop-search-{field}-error"' in page


def test_days_are_uk_days(officer, supervisor, client):
    officer.push(stop_search(occurred_at="2025-05-31T23:30:00+00:00"),  # 00:30 on 1 June in summer time
                 stop_search(occurred_at="2025-12-01T00:30:00+00:00"))  # 00:30 on 1 December (GMT)
    june = read_csv(client.get(URL))
    assert [row[1] for row in june[1:]] == ["2025-05-31T23:30:00+00:00"]
    december = read_csv(client.get("/exports/stop-search.csv?from=2025-12-01&to=2025-12-01"))
    assert [row[1] for row in december[1:]] == ["2025-12-01T00:30:00+00:00"]


def test_only_the_supervisors_team(sign_in_device, officer, supervisor, client):
    other = sign_in_device("pc9", team="Headington")
    officer.push(stop_search(occurred_at="2025-06-05T10:00:00+00:00"))
    other.push(stop_search(occurred_at="2025-06-05T11:00:00+00:00", outcome="Arrest"))
    rows = read_csv(client.get(URL))
    assert [row[1] for row in rows[1:]] == ["2025-06-05T10:00:00+00:00"]


def test_admin_gets_every_team(sign_in_device, officer, create_user, auth, client):
    other = sign_in_device("pc9", team="Headington")
    officer.push(stop_search(occurred_at="2025-06-05T10:00:00+00:00"))
    other.push(stop_search(occurred_at="2025-06-05T11:00:00+00:00"))
    create_user("boss", role="admin", team="HQ")
    auth.login("boss")
    rows = read_csv(client.get(URL))
    assert len(rows) == 3
