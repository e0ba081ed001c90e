"""Stop and search figures: every figure against counts worked out by hand, small numbers suppressed.

The fixture below is 27 searches in June 2025 (and two just outside it), by
two officers of Rose Hill; each expected figure is written as a literal,
worked out by hand from the table, never by the code under test.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import render_template
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, PopulationGroup, Review, Team, User
from fieldapp.reports.search_figures import complementary, search_figures
from tests.factories import stop_search

JUNE = "from=2025-06-01&to=2025-06-30"

WE = "White - English/Welsh/Scottish/Northern Irish/British"
WI = "White - Irish"
BC = "Black/African/Caribbean/Black British - Caribbean"
BA = "Black/African/Caribbean/Black British - African"
AP = "Asian/Asian British - Pakistani"
ARAB = "Other ethnic group - Arab"
NOT_STATED = "Other ethnic group - Not stated"
MIXED = "Mixed/Multiple ethnic groups - White and Asian"

MDA = "Misuse of Drugs Act 1971 (section 23)"
PACE = "Police and Criminal Evidence Act 1984 (section 1)"
CJA = "Criminal Justice Act 1988 (section 139B)"
OBJECT = {MDA: "Controlled drugs", PACE: "Stolen goods", CJA: "Offensive weapons"}

NFA = "A no further action disposal"
KHAT = "Khat or Cannabis warning"
CR = "Community resolution"
PND = "Penalty Notice for Disorder"
SUMMONS = "Summons / charged by post"
CAUTION = "Caution (simple or conditional)"

# name: (officer, ethnicity, age range, legislation, outcome, outcome linked to the object of search)
SEARCHES = {
    "W1": ("pc1", WE, "18-24", MDA, KHAT, True),
    "W2": ("pc1", WE, "18-24", MDA, KHAT, True),
    "W3": ("pc1", WE, "25-34", MDA, CR, True),
    "W4": ("pc1", WE, "25-34", PACE, "Arrest", True),
    "W5": ("pc1", WE, "over 34", PACE, NFA, False),
    "W6": ("pc1", WE, "over 34", MDA, NFA, False),
    "W7": ("pc1", WI, "18-24", MDA, "Arrest", True),
    "W8": ("pc1", WI, "10-17", MDA, PND, True),
    "B1": ("pc2", BC, "18-24", MDA, "Arrest", True),
    "B2": ("pc2", BC, "18-24", MDA, "Arrest", True),
    "B3": ("pc2", BC, "18-24", MDA, NFA, False),
    "B4": ("pc2", BC, "10-17", PACE, NFA, False),
    "B5": ("pc2", BC, "25-34", CJA, NFA, False),
    "B6": ("pc2", BA, "25-34", MDA, KHAT, True),
    "B7": ("pc2", BA, "over 34", MDA, NFA, False),
    "B8": ("pc2", BA, "18-24", PACE, NFA, False),
    "A1": ("pc2", AP, "18-24", MDA, NFA, False),
    "A2": ("pc2", AP, "25-34", MDA, CR, False),  # not linked: not possession-only
    "A3": ("pc2", AP, "18-24", CJA, SUMMONS, True),
    "N1": ("pc2", NOT_STATED, "18-24", MDA, NFA, False),
    "N2": ("pc2", NOT_STATED, "over 34", PACE, CAUTION, True),
    "X1": ("pc2", NOT_STATED, None, MDA, NFA, False),  # no age range recorded
    "O1": ("pc2", ARAB, "18-24", PACE, "Arrest", True),
    "O2": ("pc2", ARAB, "18-24", PACE, "Arrest", True),
    "O3": ("pc2", ARAB, "25-34", PACE, "Arrest", True),
    "O4": ("pc2", ARAB, "25-34", CJA, "Arrest", True),
    "O5": ("pc2", ARAB, "over 34", CJA, "Arrest", True),
}
# W1 is at 00:30 on 1 June in UK summer time (23:30 UTC on 31 May): in June. These two are not.
OCCURRED = {"W1": "2025-05-31T23:30:00+00:00"}
OUTSIDE = ("2025-05-31T22:59:00+00:00", "2025-06-30T23:30:00+00:00")  # 23:59 on 31 May, 00:30 on 1 July (UK)

POPULATION = {"Asian": 10_000, "Black": 4_000, "Mixed": 5_000, "White": 80_000, "Other": 3_000}


def table_row(page: str, label: str) -> list[str]:
    """The cells of the first table row headed ``label``."""
    match = re.search(r'<tr><th scope="row">' + re.escape(label) + r"</th>(.*?)</tr>", page, re.S)
    assert match, f"no row {label!r}"
    return re.findall(r"<td>(.*?)</td>", match.group(1))


def table(page: str, caption: str) -> str:
    """The table captioned ``caption``."""
    return page.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]


def push_searches(device, searches: dict[str, tuple]) -> dict[str, str]:
    """Push the searches of ``searches`` on ``device``; returns their entry ids by name."""
    entries = {}
    for n, (name, (_, ethnicity, age, legislation, outcome, linked)) in enumerate(searches.items()):
        entries[name] = stop_search(
            occurred_at=OCCURRED.get(name, f"2025-06-{2 + n % 27:02d}T10:00:00+00:00"),
            self_defined_ethnicity=ethnicity, age_range=age, legislation=legislation,
            object_of_search=OBJECT[legislation], outcome=outcome, outcome_linked_to_object_of_search=linked)
    device.push(*entries.values())
    return {name: entry["id"] for name, entry in entries.items()}


def review(entry_id: str, assessment: str | None, days: int, reviewer: int) -> Review:
    """A decision on an entry ``days`` after 1 July 2025, assessing its grounds (or not)."""
    return Review(entry_id=uuid.UUID(entry_id), entry_version=1, reviewer_id=reviewer, decision="approved",
                  grounds_assessment=assessment, created_at=datetime(2025, 7, 1, tzinfo=UTC) + timedelta(days=days))


def add_population(groups: dict[str, int], user_id: int) -> None:
    """The census population, as an admin would have entered it."""
    for group, population in groups.items():
        db.session.add(PopulationGroup(ethnic_group=group, population=population, area="Oxford",
                                       source="Census 2021 TS021", year=2021, updated_by=user_id))
    db.session.commit()


@pytest.fixture
def known_searches(sign_in_device, create_user, supervisor) -> dict[str, str]:
    """The 27 searches of June, two searches just outside June, reviews, and the population."""
    create_user("pc2", role="officer", display_name="Jo Bloggs", shoulder_number="4521")
    ids = push_searches(sign_in_device("pc1"), {k: v for k, v in SEARCHES.items() if v[0] == "pc1"})
    ids |= push_searches(sign_in_device("pc2"), {k: v for k, v in SEARCHES.items() if v[0] == "pc2"})
    sign_in_device("pc1").push(*(stop_search(occurred_at=moment, outcome="Arrest") for moment in OUTSIDE))
    sgt = db.session.scalar(select(User.id).where(User.username == "sgt"))
    db.session.add_all([
        review(ids["W1"], "weak", 1, sgt), review(ids["W1"], "reasonable", 2, sgt),  # latest: reasonable
        review(ids["W2"], "reasonable", 1, sgt), review(ids["W2"], "insufficient", 2, sgt),  # latest: insufficient
        review(ids["W3"], "weak", 1, sgt), review(ids["W3"], None, 2, sgt),  # a later decision without one: weak
        review(ids["W4"], "reasonable", 1, sgt),
        review(ids["B1"], "insufficient", 1, sgt), review(ids["B2"], "reasonable", 1, sgt),
        review(ids["B3"], "reasonable", 1, sgt),
    ])
    add_population(POPULATION, sgt)
    return ids


def test_every_figure_against_the_hand_count(known_searches, client):
    response = client.get(f"/reports/searches?{JUNE}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script" not in page

    ethnicity = table(page, "Searches, arrests and finds by self-defined ethnicity")
    # searches, arrests, arrest rate, finds, find rate
    # WE (6) is hidden as c: White 8 = WE 6 + WI 2 would give WI away. 1 arrest, 4 finds.
    assert table_row(ethnicity, WE) == ["c", "&lt;5", "—", "&lt;5", "—"]
    assert table_row(ethnicity, WI) == ["&lt;5", "&lt;5", "—", "&lt;5", "—"]  # 2 searches, 1 arrest, 2 finds
    assert table_row(ethnicity, AP) == ["&lt;5", "0", "—", "&lt;5", "—"]  # 3, 0 arrests, 1 find
    assert table_row(ethnicity, BA) == ["&lt;5", "0", "—", "&lt;5", "—"]  # 3, 0, 1
    assert table_row(ethnicity, BC) == ["c", "&lt;5", "—", "&lt;5", "—"]  # 5, 2, 2: c, or Black 8 - 5 = BA 3
    assert table_row(ethnicity, ARAB) == ["5", "5", "100.0%", "5", "100.0%"]  # exactly 5 is shown
    assert table_row(ethnicity, "Not stated") == ["&lt;5", "0", "—", "&lt;5", "—"]  # 3, 0, 1
    assert "Not recorded" not in ethnicity
    # 27 searches, 9 arrests (W4 W7 B1 B2 O1-O5), 16 finds: 9/27 = 33.3%, 16/27 = 59.3%.
    assert table_row(ethnicity, "All searches") == ["27", "9", "33.3%", "16", "59.3%"]

    age = table(page, "Searches, arrests and finds by age range")
    assert table_row(age, "10 to 17") == ["&lt;5", "0", "—", "&lt;5", "—"]  # W8 B4: 1 find
    assert table_row(age, "18 to 24") == ["12", "5", "41.7%", "8", "66.7%"]
    assert table_row(age, "25 to 34") == ["7", "&lt;5", "—", "5", "71.4%"]  # 3 arrests, 5 finds
    assert table_row(age, "Over 34") == ["5", "&lt;5", "—", "&lt;5", "—"]  # 1 arrest, 2 finds
    assert table_row(age, "Not recorded") == ["&lt;5", "0", "—", "0", "—"]  # X1
    assert "Under 10" not in age

    legislation = table(page, "Searches, arrests and finds by legislation")
    assert table_row(legislation, MDA) == ["15", "&lt;5", "—", "8", "53.3%"]  # 3 arrests
    # 8 searches, 4 arrests, 5 finds: searches and finds hidden as c, or 27 - 15 - 8 = 4 and 16 - 8 - 5 = 3
    # would give CJA's away (PACE is the smallest other non-zero cell of each column).
    assert table_row(legislation, PACE) == ["c", "&lt;5", "—", "c", "—"]
    assert table_row(legislation, CJA) == ["&lt;5", "&lt;5", "—", "&lt;5", "—"]  # 4 searches, 2 arrests, 3 finds
    assert legislation.index(MDA) < legislation.index(PACE) < legislation.index(CJA)  # reference-list order

    drugs = table(page, "Possession-only drug searches as a share of drug searches")
    # 15 drug searches; possession-only: W1 W2 (khat) W3 (CR) W8 (PND) B6 (khat); A2's CR was not linked.
    assert table_row(drugs, "Drug searches") == ["15"]
    assert table_row(drugs, "Possession-only") == ["5"]
    assert table_row(drugs, "Share possession-only") == ["33.3%"]

    rates = table(page, "Searches per 1,000 residents, and how many times as likely as a White person to be searched")
    # White 8 in 80,000 = 0.1 per 1,000; Black 8 in 4,000 = 2.0 (20 times); Other (Arab; not stated left out)
    # 5 in 3,000 = 1.67 (16.7 times); Asian 3: suppressed, no rate; Mixed 0 searches: rate 0, no ratio.
    assert table_row(rates, "Asian") == ["&lt;5", "10,000", "—", "—"]
    assert table_row(rates, "Black") == ["8", "4,000", "2.0", "20.0"]
    assert table_row(rates, "Mixed") == ["0", "5,000", "0.0", "—"]
    assert table_row(rates, "White") == ["8", "80,000", "0.1", "1.0"]
    assert table_row(rates, "Other") == ["5", "3,000", "1.7", "16.7"]
    assert "Oxford, Census 2021 TS021 (2021)" in page

    officers = table(page, "Grounds assessed weak or insufficient, by officer")
    # PC1: 8 searches, W1-W4 assessed, W2 insufficient and W3 weak. Jo Bloggs: 19, B1-B3 assessed, B1 insufficient.
    assert table_row(officers, "PC1") == ["8", "4", "2", "50.0%"]
    assert table_row(officers, "4521 Jo Bloggs") == ["19", "3", "1", "33.3%"]
    assert '<section class="report no-print" aria-labelledby="officers-heading">' in page  # never printed
    assert "How this is counted" in page and "Khat or Cannabis warning" in page


def test_the_scrutiny_pack_figures_have_no_officers(known_searches, app):
    figures = search_figures(None, date(2025, 6, 1), date(2025, 6, 30))
    assert figures.total.searches == "27" and figures.drugs.share == "33.3%"
    assert not hasattr(figures, "officers")
    with app.test_request_context():
        html = render_template("reports/_search_figures.html", figures=figures)
    assert "by officer" not in html and "PC1" not in html and "Jo Bloggs" not in html
    assert table_row(html, "All searches") == ["27", "9", "33.3%", "16", "59.3%"]
    assert "<caption>" in html and "<svg" not in html


def test_period_boundaries_are_uk_days(known_searches, client):
    # 1 June only: W1 (00:30 UK time) is in it; the search at 23:59 on 31 May UK time is not.
    page = client.get("/reports/searches?from=2025-06-01&to=2025-06-01").get_data(as_text=True)
    assert table_row(table(page, "Searches, arrests and finds by legislation"), "All searches")[0] == "&lt;5"
    assert table_row(page, "PC1") == ["1", "1", "0", "0.0%"]
    # 30 June to 1 July: only the search at 00:30 on 1 July.
    page = client.get("/reports/searches?from=2025-06-30&to=2025-07-01").get_data(as_text=True)
    assert table_row(page, "PC1") == ["1", "0", "0", "—"]
    assert "Jo Bloggs" not in page


def test_small_numbers_give_no_ratio(sign_in_device, supervisor, client):
    # Four White searches: the reference rate is drawn from a count under 5, so no group has a ratio.
    sgt = db.session.scalar(select(User.id).where(User.username == "sgt"))
    add_population(POPULATION, sgt)
    searches = {f"W{n}": ("pc1", WE, "18-24", MDA, NFA, False) for n in range(4)}
    searches |= {f"B{n}": ("pc1", BC, "18-24", MDA, "Arrest", True) for n in range(6)}
    push_searches(sign_in_device("pc1"), searches)
    page = client.get(f"/reports/searches?{JUNE}").get_data(as_text=True)
    rates = table(page, "Searches per 1,000 residents, and how many times as likely as a White person to be searched")
    assert table_row(rates, "White") == ["&lt;5", "80,000", "—", "—"]
    # BC's 6 is hidden (10 - 6 = WE's 4), and so Black's 6 (= BC's): no rate from either.
    assert table_row(rates, "Black") == ["c", "4,000", "—", "—"]
    ethnicity = table(page, "Searches, arrests and finds by self-defined ethnicity")
    assert table_row(ethnicity, WE) == ["&lt;5", "0", "—", "0", "—"]
    assert table_row(ethnicity, BC) == ["c", "6", "—", "6", "—"]
    assert table_row(ethnicity, "All searches") == ["10", "6", "60.0%", "6", "60.0%"]


def test_no_population_gives_a_note(officer, supervisor, client, create_user, auth):
    officer.push(stop_search(occurred_at="2025-06-02T10:00:00+00:00"))
    page = client.get(f"/reports/searches?{JUNE}").get_data(as_text=True)
    assert "No resident population has been entered" in page
    assert "An admin can enter it" in page
    assert "Searches per 1,000 residents, and" not in page
    create_user("boss", role="admin", team="HQ")
    auth.logout()
    auth.login("boss")
    page = client.get(f"/reports/searches?{JUNE}").get_data(as_text=True)
    assert 'href="/reports/population">Enter the population by ethnic group</a>' in page


def test_team_scoping(known_searches, sign_in_device, create_user, auth, client):
    sign_in_device("pc9", team="Headington").push(
        stop_search(occurred_at="2025-06-04T10:00:00+00:00", self_defined_ethnicity=MIXED))
    other = db.session.scalar(select(Team.id).where(Team.name == "Headington"))
    page = client.get(f"/reports/searches?{JUNE}&team={other}").get_data(as_text=True)  # the team is ignored
    assert table_row(page, "All searches")[0] == "27"
    assert MIXED not in page and "PC9" not in page
    create_user("boss", role="admin", team="HQ")
    auth.logout()
    auth.login("boss")
    everything = client.get(f"/reports/searches?{JUNE}").get_data(as_text=True)
    assert table_row(everything, "All searches")[0] == "28"
    assert table_row(everything, "PC9") == ["1", "0", "0", "—"]
    only = client.get(f"/reports/searches?{JUNE}&team={other}").get_data(as_text=True)
    assert table_row(only, "All searches") == ["&lt;5", "0", "—", "0", "—"]
    assert table_row(only, MIXED)[0] == "&lt;5"
    assert "Jo Bloggs" not in only
    assert client.get(f"/reports/searches?{JUNE}&team=99999").status_code == 400


def test_showing_is_audited_as_a_combination(known_searches, client):
    client.get(f"/reports/searches?{JUNE}")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "combine")).all()
    assert [(e.record_type, e.record_id) for e in events] == [("report", "searches")]
    assert "period=2025-06-01..2025-06-30" in events[0].detail


def test_bad_period_is_400_with_a_message(supervisor, client):
    response = client.get("/reports/searches?from=2025-06-10&to=2025-06-01")
    assert response.status_code == 400
    assert "To must be the same day" in response.get_data(as_text=True)


def test_roles(create_user, auth, client):
    response = client.get("/reports/searches")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    create_user("pc5", role="officer")
    auth.login("pc5")
    assert client.get("/reports/searches").status_code == 403


def test_dashboard_links_to_the_figures(supervisor, client):
    page = client.get(f"/reports?{JUNE}").get_data(as_text=True)
    assert "/reports/searches?from=2025-06-01&amp;to=2025-06-30" in page


RATES = "Searches per 1,000 residents, and how many times as likely as a White person to be searched"
ETHNICITY = "Searches, arrests and finds by self-defined ethnicity"


def test_a_small_count_cannot_be_worked_out_by_subtraction(sign_in_device, supervisor, client):
    # 6 searches: 5 White British, 1 Black Caribbean. Shown as 6, 5 and <5, 6 - 5 would give the 1 away.
    sgt = db.session.scalar(select(User.id).where(User.username == "sgt"))
    add_population(POPULATION, sgt)
    searches = {f"W{n}": ("pc1", WE, "18-24", MDA, NFA, False) for n in range(5)}
    searches |= {"B1": ("pc1", BC, "18-24", MDA, NFA, False)}
    push_searches(sign_in_device("pc1"), searches)
    page = client.get(f"/reports/searches?{JUNE}").get_data(as_text=True)
    ethnicity = table(page, ETHNICITY)
    assert table_row(ethnicity, "All searches") == ["6", "0", "0.0%", "0", "0.0%"]  # totals stay exact
    assert table_row(ethnicity, WE) == ["c", "0", "—", "0", "—"]
    assert table_row(ethnicity, BC) == ["&lt;5", "0", "—", "0", "—"]
    # White's 5 would equal WE's 5 hidden as c (and 6 - White = Black's 1): it is hidden too, with its rate.
    rates = table(page, RATES)
    assert table_row(rates, "White") == ["c", "80,000", "—", "—"]
    assert table_row(rates, "Black") == ["&lt;5", "4,000", "—", "—"]
    assert table_row(rates, "Asian") == ["0", "10,000", "0.0", "—"]
    # Every column of every table: never exactly one hidden cell against a total shown.
    for caption in (ETHNICITY, "Searches, arrests and finds by age range", "Searches, arrests and finds by legislation"):
        rows = re.findall(r'<tr><th scope="row">.*?</th>(.*?)</tr>', table(page, caption), re.S)
        cells = [re.findall(r"<td>(.*?)</td>", row) for row in rows]
        for column in (0, 1, 3):
            assert sum(row[column] in ("&lt;5", "c") for row in cells) != 1, (caption, column)
    assert "shown as c (confidential)" in page


def test_complementary_suppression_on_hand_made_tables():
    # One hidden cell (3) in a column shown with its total: the smallest other non-zero cell (6, not 0) goes too.
    column = {"total": 19, "a": 3, "b": 6, "c": 10, "z": 0}
    assert complementary(column, [["total", "a", "b", "c", "z"]], fixed={"total"}) == {"b"}
    # Two hidden cells need no complement; nor does a total of 0 to 4 with its one cell.
    assert complementary({"total": 15, "a": 3, "b": 2, "c": 10}, [["total", "a", "b", "c"]], {"total"}) == set()
    assert complementary({"total": 3, "a": 3, "z": 0}, [["total", "a", "z"]], {"total"}) == set()
    # A broad group's count (8) against its sub-rows: sub-row 2 hidden, so 6 goes (the group's 8 is larger).
    values = {"total": 20, "White": 8, "WE": 6, "WI": 2, "Black": 12, "BC": 12}
    sets = [["White", "WE", "WI"], ["Black", "BC"], ["total", "White", "Black"]]
    assert complementary(values, sets, {"total"}) == {"WE"}
    # A group hidden (it is the only way to close a set) must not come back from its one sub-row either.
    values = {"total": 10, "White": 6, "WE": 6, "Black": 4, "BC": 4}
    sets = [["total", "White", "Black"], ["White", "WE"], ["Black", "BC"]]
    assert complementary(values, sets, {"total"}) == {"White", "WE"}
    # The cascade: hiding b in the first column exposes the second set (b, d, its total), so d goes too.
    values = {"t1": 20, "a": 2, "b": 7, "c": 11, "t2": 30, "d": 9, "e": 14}
    sets = [["t1", "a", "b", "c"], ["t2", "b", "d", "e"]]
    assert complementary(values, sets, {"t1", "t2"}) == {"b", "d"}


def test_a_linked_no_further_action_is_not_a_find(sign_in_device, supervisor, client):
    searches = {f"F{n}": ("pc1", WE, "18-24", MDA, "Arrest", True) for n in range(5)}
    searches |= {f"N{n}": ("pc1", WE, "18-24", MDA, NFA, True) for n in range(5)}  # linked, but no further action
    push_searches(sign_in_device("pc1"), searches)
    page = client.get(f"/reports/searches?{JUNE}").get_data(as_text=True)
    ethnicity = table(page, ETHNICITY)
    assert table_row(ethnicity, "All searches") == ["10", "5", "50.0%", "5", "50.0%"]
    assert table_row(ethnicity, WE) == ["10", "5", "50.0%", "5", "50.0%"]
    assert table_row(table(page, "Searches, arrests and finds by age range"), "18 to 24")[3:] == ["5", "50.0%"]
    assert table_row(table(page, "Searches, arrests and finds by legislation"), MDA)[3:] == ["5", "50.0%"]
    assert "was not &ldquo;no further action&rdquo;" in page
