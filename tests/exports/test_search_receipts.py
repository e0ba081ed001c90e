"""The encounter export carries the stop and search fields of #15 (receipt reference, section 60
authorisation, grounds warnings shown, grounds changed); the national file keeps its exact columns."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fieldapp.exports.national import NATIONAL_COLUMNS
from fieldapp.extensions import db
from fieldapp.models import Section60Authorisation, Team, User
from fieldapp.models.types import utcnow
from sync.receipts import new_reference
from tests.factories import stop_search
from tests.fixtures.web import read_csv

SECTION_60 = "Criminal Justice and Public Order Act 1994 (section 60)"


def test_the_encounter_export_has_the_receipt_and_grounds_columns(officer, supervisor, client):
    team_id = db.session.scalar(select(Team.id).where(Team.name == "Rose Hill"))
    starts = utcnow() - timedelta(hours=3)
    db.session.add(Section60Authorisation(
        team_id=team_id, reference="S60-2026-014", authorising_rank="Superintendent",
        area_description="Blackbird Leys", starts_at=starts, ends_at=starts + timedelta(hours=12),
        created_by=db.session.scalar(select(User.id).where(User.username == "sgt"))))
    db.session.commit()
    ref = new_reference()
    warned = stop_search(receipt_ref=ref, grounds_warnings=["short", "cannabis_only"], grounds_changed=True)
    s60 = stop_search(legislation=SECTION_60, object_of_search="Offensive weapons",
                      section60_authorisation="S60-2026-014", occurred_at=(starts + timedelta(hours=1)).isoformat())
    plain = stop_search()
    assert [r["status"] for r in officer.push(warned, s60, plain)] == ["created"] * 3
    rows = read_csv(client.get("/exports/encounter.csv"))
    header = rows[0]
    for name in ("receipt_ref", "section60_authorisation", "grounds_warnings", "grounds_changed"):
        assert header.count(name) == 1, name
    by_id = {row[0]: dict(zip(header, row)) for row in rows[1:]}
    assert by_id[warned["id"]]["receipt_ref"] == ref
    assert by_id[warned["id"]]["grounds_changed"] == "True"
    assert by_id[warned["id"]]["grounds_warnings"] == "short;cannabis_only"
    assert by_id[warned["id"]]["section60_authorisation"] == ""
    assert by_id[s60["id"]]["section60_authorisation"] == "S60-2026-014"
    assert by_id[plain["id"]]["receipt_ref"] == by_id[plain["id"]]["grounds_warnings"] == ""
    assert by_id[plain["id"]]["grounds_changed"] == ""


def test_the_national_file_keeps_its_columns(officer, supervisor, client):
    officer.push(stop_search(receipt_ref=new_reference(), occurred_at="2025-06-01T10:00:00+00:00"))
    rows = read_csv(client.get("/exports/stop-search.csv?from=2025-06-01&to=2025-06-30"))
    assert rows[0] == list(NATIONAL_COLUMNS)
    assert not {"receipt_ref", "section60_authorisation", "grounds_warnings"} & set(rows[0])
    assert len(rows) == 2
