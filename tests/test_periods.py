"""Every page that takes a period refuses hostile dates with 400 and a message, never a 500 or a runaway.

One period reader (``fieldapp.periods.parse_period``) serves the
review queue, the exports, the reports and the audit log; this walks all of
them with dates that used to overflow (``9999-12-31``: the day after it does
not exist), ran for hours (``0001-01-02`` on the reports: a column per week
since year 1) or were simply wrong.
"""

from __future__ import annotations

import html
from datetime import timedelta

import pytest

from fieldapp.periods import EARLIEST_DAY, LATEST_AHEAD, local_today

#: (path, name of its "from" field, name of its "to" field)
PAGES = [
    ("/review", "from", "to"),
    ("/exports/stop-search.csv", "from", "to"),
    ("/exports/encounter.csv", "from", "to"),
    ("/exports/postbox_visit.csv", "from", "to"),
    ("/exports/postbox_item.csv", "from", "to"),
    ("/reports", "from", "to"),
    ("/reports/forum", "from", "to"),
    ("/audit", "date_from", "date_to"),
    ("/audit/export.csv", "date_from", "date_to"),
]

#: (from, to, the field the message is on, words of the message)
HOSTILE = [
    ("0001-01-01", "", "from", "must be between 2000-01-01 and"),
    ("0001-01-02", "", "from", "must be between 2000-01-01 and"),
    ("", "9999-12-31", "to", "must be between 2000-01-01 and"),
    ("2026-01-01", "9999-12-31", "to", "must be between 2000-01-01 and"),
    ("0001-01-01", "9999-12-31", "from", "must be between 2000-01-01 and"),
    ("1950-01-01", "2049-12-31", "from", "must be between 2000-01-01 and"),  # a 100-year span
    ("2026-03-02", "2026-03-01", "to", "To must be the same day as From or later."),
    ("yesterday", "", "from", "must be a date written YYYY-MM-DD"),
    ("2026-02-30", "", "from", "must be a date written YYYY-MM-DD"),
    ("", "2026-1-1", "to", "must be a date written YYYY-MM-DD"),
    ("２０２６-01-01", "", "from", "must be a date written YYYY-MM-DD"),  # full-width digits
    ("2026-01-01T00:00", "", "from", "must be a date written YYYY-MM-DD"),
    ("-001-01-01", "", "from", "must be a date written YYYY-MM-DD"),
    ("9" * 5000, "", "from", "must be a date written YYYY-MM-DD"),
]


def _query(names: tuple[str, str], first: str, last: str) -> dict[str, str]:
    """The query string of a period on a page whose date fields are called ``names``."""
    return {name: value for name, value in zip(names, (first, last), strict=True) if value}


@pytest.mark.parametrize(("path", "from_name", "to_name"), PAGES)
def test_hostile_dates_are_400_with_a_message_never_500(admin, client, path, from_name, to_name):
    for first, last, field, message in HOSTILE:
        response = client.get(path, query_string=_query((from_name, to_name), first, last))
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 400, (path, first, last, response.status_code)
        assert response.mimetype == "text/html", (path, first, last)
        assert message in page, (path, first, last)
        assert 'aria-invalid="true"' in page, (path, first, last)


@pytest.mark.parametrize(("path", "from_name", "to_name"), PAGES)
def test_a_normal_period_still_works(admin, client, path, from_name, to_name):
    response = client.get(path, query_string=_query((from_name, to_name), "2026-03-01", "2026-03-31"))
    assert response.status_code == 200, path
    assert response.mimetype == ("text/csv" if path.endswith(".csv") else "text/html")


def test_the_first_and_last_days_allowed_are_allowed(admin, client):
    latest = (local_today() + LATEST_AHEAD).isoformat()
    for path, from_name, to_name in PAGES:
        if path.startswith(("/reports", "/exports/stop-search")):
            continue  # those take at most 5 years: see the next test
        response = client.get(path, query_string=_query((from_name, to_name), EARLIEST_DAY.isoformat(), latest))
        assert response.status_code == 200, path
    day_after = (local_today() + LATEST_AHEAD + timedelta(days=1)).isoformat()
    day_before = (EARLIEST_DAY - timedelta(days=1)).isoformat()
    assert client.get("/review", query_string={"to": day_after}).status_code == 400
    assert client.get("/review", query_string={"from": day_before}).status_code == 400


@pytest.mark.parametrize("path", ["/reports", "/reports/forum", "/exports/stop-search.csv"])
def test_reports_and_the_national_file_take_at_most_five_years(admin, client, path):
    assert client.get(path, query_string={"from": "2021-01-01", "to": "2025-12-31"}).status_code == 200
    response = client.get(path, query_string={"from": "2020-12-31", "to": "2025-12-31"})
    assert response.status_code == 400
    assert ("The period may be at most 5 years long: with From 2020-12-31, To must be on or before 2025-12-30."
            in html.unescape(response.get_data(as_text=True)))


def test_a_report_from_long_ago_to_today_is_refused_on_from(admin, client):
    # To is left empty (today): the message goes on the field that was typed.
    response = client.get("/reports", query_string={"from": "2000-01-01"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert 'id="report-from-error">The period may be at most 5 years long' in page


def test_the_forms_state_the_rules_next_to_their_dates(admin, client):
    latest = (local_today() + LATEST_AHEAD).isoformat()
    for path in ("/review", "/audit", "/reports"):
        page = client.get(path).get_data(as_text=True)
        assert f"Dates as YYYY-MM-DD, from 2000-01-01 to {latest}" in page, path
    assert "at most 5 years from From to To" in client.get("/reports").get_data(as_text=True)
    exports = client.get("/exports").get_data(as_text=True)
    assert "Dates from 2000-01-01 to a year from today; at most\n    5 years from From to To" in exports
    assert "leave one empty for no limit on that side" in exports


def test_reports_answer_json_to_api_clients(admin, client):
    response = client.get("/reports", query_string={"to": "9999-12-31"}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_request"
    assert body["errors"]["to"].startswith("To must be between 2000-01-01 and")
