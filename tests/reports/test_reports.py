"""Reports: correct counts for known data, SVG charts with their tables, audited, scoped, no personal data."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Entry, Team
from fieldapp.reports.figures import Weekly
from tests.factories import encounter, item, stop_search, visit

PERIOD = "from=2025-06-02&to=2025-06-15"  # two ISO weeks, Mondays 2 and 9 June
CONTACT = "07700 900123"
SUMMARY = "The man at number 12 deals from his blue van every night."


def table_row(page: str, label: str) -> list[str]:
    """The cells of the first table row headed ``label``."""
    match = re.search(r'<tr><th scope="row">' + re.escape(label) + r"</th>(.*?)</tr>", page, re.S)
    assert match, f"no row {label!r}"
    return re.findall(r"<td>(.*?)</td>", match.group(1))


@pytest.fixture
def known_data(officer, postbox):
    """Three searches, two other encounters, a visit with two cards, all in early June 2025."""
    officer.push(
        stop_search(occurred_at="2025-06-02T10:00:00+00:00"),
        stop_search(occurred_at="2025-06-03T10:00:00+00:00", outcome="Arrest", outcome_linked_to_object_of_search=True,
                    self_defined_ethnicity="Black/African/Caribbean/Black British - Caribbean"),
        stop_search(occurred_at="2025-06-10T10:00:00+00:00", outcome="Arrest"),
        encounter("begging", occurred_at="2025-06-11T10:00:00+00:00"),
        encounter("asb", occurred_at="2025-06-12T10:00:00+00:00"),
        stop_search(occurred_at="2025-06-20T10:00:00+00:00"),  # after the period
    )
    the_visit = visit(postbox, visited_at="2025-06-09T18:00:00+00:00")
    officer.push(the_visit,
                 item(the_visit["id"], topics=["drugs", "begging"], anonymity="contact_requested",
                      contact_details=CONTACT, summary=SUMMARY, action="intel_submitted",
                      location_text="Nowell Road"),
                 item(the_visit["id"], topics=["drugs"], summary="Needles in the park.", identifies_author=True,
                      location_text="12 Acacia Avenue"))


def test_dashboard_counts(known_data, supervisor, client):
    response = client.get(f"/reports?{PERIOD}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count("<svg") == 6 and page.count("<table") == 6
    assert "<script" not in page
    # Weekly encounters: week of 2 June two searches; week of 9 June one search, one begging, one ASB.
    assert table_row(page, "2025-06-02") == ["2", "0", "0", "2"]  # search, ASB, begging, total
    assert table_row(page, "2025-06-09")[-1] == "3"
    assert table_row(page, "Arrest") == ["2", "66.7%"]
    assert table_row(page, "No further action") == ["1", "33.3%"]
    assert table_row(page, "Linked (True)") == ["1", "33.3%"]
    assert table_row(page, "Not linked (False)") == ["2", "66.7%"]
    assert table_row(page, "White - Irish") == ["2", "66.7%"]
    assert table_row(page, "Black/African/Caribbean/Black British - Caribbean") == ["1", "33.3%"]
    assert table_row(page, "Unreviewed") == ["9"]  # every entry, whenever it happened
    assert table_row(page, "Unreviewed for more than 72 hours") == ["0"]
    # Topics per week (reference-list order): two drugs cards and one begging card in the week of 9 June.
    topics_table = page[page.index("Residents&#39; concerns per week, by topic</caption>"):]
    assert table_row(topics_table, "2025-06-09") == ["2", "1", "3"]  # drugs, begging, total


def test_backlog_counts_entries_older_than_72_hours(known_data, supervisor, client):
    db.session.execute(update(Entry).where(Entry.occurred_at < datetime(2025, 6, 4, tzinfo=UTC))
                       .values(received_at=datetime.now(UTC) - timedelta(hours=73)))
    db.session.commit()
    page = client.get(f"/reports?{PERIOD}").get_data(as_text=True)
    assert table_row(page, "Unreviewed for more than 72 hours") == ["2"]


def test_dashboard_is_a_combination_in_the_audit_log(known_data, supervisor, client):
    client.get(f"/reports?{PERIOD}")
    client.get(f"/reports/forum?{PERIOD}")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "combine")).all()
    assert [(e.record_type, e.record_id) for e in events] == [("report", "dashboard"), ("report", "forum")]
    assert all("period=2025-06-02..2025-06-15" in e.detail for e in events)


def test_forum_report_has_counts_and_no_personal_data(known_data, supervisor, client):
    response = client.get(f"/reports/forum?{PERIOD}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    report = page[page.index('<article class="forum-report">'):]  # the page's header names who is signed in
    for personal in (CONTACT, SUMMARY, "Needles", "PC1", "pc1", "12 Acacia Avenue", "PS Hughes", "sgt"):
        assert personal not in report
    for personal in (CONTACT, SUMMARY, "Needles", "12 Acacia Avenue", "PC1"):
        assert personal not in page
    assert table_row(page, "Drugs") == ["2"]
    assert table_row(page, "Begging") == ["1"]
    assert table_row(page, "Nowell Road") == ["1"]
    # The card that identifies its author is counted at the site, not at the place it names.
    assert table_row(page, "Rose Hill Stores") == ["1"]
    done = page[page.index("What we did about the cards"):]
    assert table_row(done, "Drugs")[:2] == ["1", "1"]  # none yet, intelligence submitted
    visits = page[page.index("Visits to each postbox"):]
    assert table_row(visits, "Rose Hill Stores") == ["PB-01", "1"]
    assert "@media print" in client.get("/static/site.css").get_data(as_text=True)


def test_supervisor_sees_only_their_team(known_data, sign_in_device, supervisor, client):
    sign_in_device("pc9", team="Headington").push(stop_search(occurred_at="2025-06-04T10:00:00+00:00",
                                                              outcome="Community resolution"))
    other = db.session.scalar(select(Team.id).where(Team.name == "Headington"))
    page = client.get(f"/reports?{PERIOD}&team={other}").get_data(as_text=True)
    assert "Community resolution" not in page
    assert 'name="team"' not in page  # no team selector for supervisors


def test_admin_chooses_a_team(known_data, sign_in_device, create_user, auth, client):
    sign_in_device("pc9", team="Headington").push(stop_search(occurred_at="2025-06-04T10:00:00+00:00",
                                                              outcome="Community resolution"))
    create_user("boss", role="admin", team="HQ")
    auth.login("boss")
    everything = client.get(f"/reports?{PERIOD}").get_data(as_text=True)
    assert table_row(everything, "Community resolution") == ["1", "25.0%"]
    other = db.session.scalar(select(Team.id).where(Team.name == "Headington"))
    only = client.get(f"/reports?{PERIOD}&team={other}").get_data(as_text=True)
    assert table_row(only, "Community resolution") == ["1", "100.0%"]
    assert "Arrest" not in only.split("Stop and search outcomes</caption>")[1].split("</table>")[0]
    assert client.get(f"/reports?{PERIOD}&team=99999").status_code == 400


@pytest.mark.parametrize("query, message", [("from=2025-13-01", "From must be a date"),
                                             ("from=2025-06-10&to=2025-06-01", "To must be the same day")])
def test_bad_dates_are_400_with_a_message(supervisor, client, query, message):
    for path in ("/reports", "/reports/forum"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_default_period_is_the_last_twelve_weeks(supervisor, client):
    page = client.get("/reports").get_data(as_text=True)
    assert page.count('<tr><th scope="row">20') >= 24  # 12 or 13 weeks in each weekly table


@pytest.mark.parametrize("path", ["/reports", "/reports/forum"])
def test_roles(create_user, auth, client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    create_user("pc5", role="officer")
    auth.login("pc5")
    assert client.get(path).status_code == 403


def test_weeks_are_uk_weeks(officer, supervisor, client):
    # 23:30 UTC on Sunday 8 June is 00:30 on Monday 9 June in summer time: the second week.
    officer.push(stop_search(occurred_at="2025-06-08T23:30:00+00:00"))
    page = client.get(f"/reports?{PERIOD}").get_data(as_text=True)
    assert table_row(page, "2025-06-02") == ["0", "0"]
    assert table_row(page, "2025-06-09") == ["1", "1"]


def test_weekly_rows_carry_their_totals():
    weeks = [date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16)]
    weekly = Weekly(weeks, [("Stop and search", [1, 0, 2]), ("Begging", [0, 3, 1])])
    assert weekly.rows == [(weeks[0], [1, 0], 1), (weeks[1], [0, 3], 3), (weeks[2], [2, 1], 3)]
    assert Weekly(weeks, []).rows == [(week, [], 0) for week in weeks]


def test_five_years_of_weeks_render_with_their_totals(officer, supervisor, client):
    officer.push(stop_search(occurred_at="2025-06-08T10:00:00+00:00"),
                 encounter("begging", occurred_at="2025-06-08T11:00:00+00:00"))
    page = client.get("/reports?from=2021-01-01&to=2025-12-31").get_data(as_text=True)
    # 2020-12-28 (the Monday of 1 January 2021) to 2025-12-29: 262 weeks, in each weekly table.
    weekly_table = page.split("Street encounters per week, by kind</caption>")[1].split("</table>")[0]
    assert weekly_table.count('<tr><th scope="row">') == 262
    assert table_row(weekly_table, "2025-06-02") == ["1", "1", "2"]
    assert table_row(weekly_table, "2020-12-28") == ["0", "0", "0"]
