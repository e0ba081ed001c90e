"""Section 60 searches on push (#15): the authorisation named must be the team's, and in force when the
search was made; the phone's reference document carries the authorisations, the station and the receipt link."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Encounter, Entry, Section60Authorisation, Team, User
from fieldapp.models.types import utcnow
from tests.factories import stop_search
from tests.fixtures.rows import count

SECTION_60 = "Criminal Justice and Public Order Act 1994 (section 60)"


def authorise(reference: str = "S60-2026-014", *, team: str = "Rose Hill", starts_at: datetime | None = None,
              hours: float = 12, rank: str = "Superintendent") -> Section60Authorisation:
    """Record an authorisation for ``team`` (created if missing) directly, as the supervisors' page would."""
    team_row = db.session.scalar(select(Team).where(Team.name == team))
    if team_row is None:
        team_row = Team(name=team)
        db.session.add(team_row)
        db.session.flush()
    starts_at = starts_at or utcnow() - timedelta(hours=2)
    row = Section60Authorisation(team_id=team_row.id, reference=reference, authorising_rank=rank,
                                 area_description="Blackbird Leys, inside the ring road",
                                 starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours),
                                 created_by=db.session.scalar(select(User.id).order_by(User.id)))
    db.session.add(row)
    db.session.commit()
    return row


def s60_search(occurred_at: datetime, reference: str | None = "S60-2026-014", **data):
    return stop_search(legislation=SECTION_60, object_of_search="Offensive weapons",
                       occurred_at=occurred_at.isoformat(), section60_authorisation=reference, **data)


def test_a_search_inside_the_window_is_stored(officer):
    auth = authorise()
    entry = s60_search(auth.starts_at + timedelta(hours=1))
    [result] = officer.push(entry)
    assert result["status"] == "created", result
    assert db.session.get(Encounter, uuid.UUID(entry["id"])).section60_authorisation == "S60-2026-014"


@pytest.mark.parametrize("edge", ["starts_at", "ends_at"])
def test_both_ends_of_the_window_are_inside(officer, edge):
    auth = authorise(starts_at=(utcnow() - timedelta(hours=30)).replace(microsecond=0))
    [result] = officer.push(s60_search(getattr(auth, edge)))
    assert result["status"] == "created", result


@pytest.mark.parametrize("offset", [timedelta(seconds=-1), timedelta(seconds=1)])
def test_a_second_outside_the_window_is_refused(officer, offset):
    auth = authorise(starts_at=(utcnow() - timedelta(hours=30)).replace(microsecond=0))
    moment = auth.starts_at + offset if offset < timedelta(0) else auth.ends_at + offset
    entry = s60_search(moment)
    [result] = officer.push(entry)
    assert result["status"] == "rejected"
    assert set(result["errors"]) == {"section60_authorisation"}
    assert "was not in force at the time of this search" in result["errors"]["section60_authorisation"]
    assert count(Entry) == 0


def test_offset_time_zones_compare_as_instants(officer):
    """A phone in UTC+01:00 or UTC-05:00 sends local times: the same instant is inside, whatever the offset."""
    start = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
    authorise(starts_at=start, hours=4)  # 22:00-02:00 UTC
    inside = (start + timedelta(minutes=30)).astimezone(timezone(timedelta(hours=1)))  # 23:30+01:00
    before = (start - timedelta(minutes=30)).astimezone(timezone(timedelta(hours=-5)))  # 16:30-05:00
    after = (start + timedelta(hours=4, minutes=1)).astimezone(timezone(timedelta(hours=5, minutes=30)))
    results = officer.push(s60_search(inside), s60_search(before), s60_search(after))
    assert [r["status"] for r in results] == ["created", "rejected", "rejected"]


def test_an_unknown_reference_is_refused(officer):
    authorise()
    [result] = officer.push(s60_search(utcnow() - timedelta(hours=1), reference="S60-NOPE"))
    assert result["status"] == "rejected"
    assert result["errors"] == {"section60_authorisation":
                                'No section 60 authorisation "S60-NOPE" is recorded for your team. '
                                "Check the reference with your supervisor."}


def test_another_teams_authorisation_reads_as_unknown(officer):
    authorise(team="Cowley")
    [result] = officer.push(s60_search(utcnow() - timedelta(hours=1)))
    assert result["status"] == "rejected"
    assert result["errors"]["section60_authorisation"].startswith('No section 60 authorisation "S60-2026-014"')


def test_one_bad_search_does_not_fail_the_batch(officer):
    auth = authorise()
    good, bad = s60_search(auth.starts_at + timedelta(minutes=5)), s60_search(auth.ends_at + timedelta(hours=1))
    results = officer.push(good, bad, stop_search())
    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    assert count(Entry) == 2


def test_a_section60_search_must_name_one_and_others_may_not(officer):
    authorise()
    [missing] = officer.push(s60_search(utcnow() - timedelta(hours=1), reference=None))
    [named] = officer.push(stop_search(section60_authorisation="S60-2026-014"))
    assert missing["errors"] == {"section60_authorisation":
                                 "Name the section 60 authorisation this search was made under."}
    assert named["errors"] == {"section60_authorisation":
                               "Only a section 60 search names a section 60 authorisation."}


def test_an_edit_is_checked_again(officer):
    from tests.factories import edit

    auth = authorise(starts_at=utcnow() - timedelta(hours=30))
    entry = s60_search(auth.starts_at + timedelta(minutes=5))
    assert officer.push(entry)[0]["status"] == "created"
    late = edit(entry, occurred_at=(auth.ends_at + timedelta(minutes=5)).isoformat())
    [result] = officer.push(late)
    assert result["status"] == "rejected" and "section60_authorisation" in result["errors"]
    assert db.session.get(Entry, uuid.UUID(entry["id"])).version == 1


# --- the reference document ---------------------------------------------------

def test_the_reference_document_carries_the_teams_authorisations(officer):
    now = utcnow().replace(microsecond=0)
    current = authorise("S60-NOW", starts_at=now - timedelta(hours=1))
    # Kept 92 days after its end: a search returned to be fixed still finds it on the phone.
    authorise("S60-LAST-WEEK", starts_at=now - timedelta(days=91, hours=20))  # ended 91 days 8 hours ago
    authorise("S60-OLD", starts_at=now - timedelta(days=93))  # ended 92 days 12 hours ago
    authorise("S60-COWLEY", team="Cowley")
    body = officer.get("/api/reference").get_json()
    assert [a["reference"] for a in body["section60_authorisations"]] == ["S60-LAST-WEEK", "S60-NOW"]
    [_, now_item] = body["section60_authorisations"]
    assert now_item == {"reference": "S60-NOW", "authorising_rank": "Superintendent",
                        "area_description": "Blackbird Leys, inside the ring road",
                        "starts_at": current.starts_at.isoformat(), "ends_at": current.ends_at.isoformat()}
    assert datetime.fromisoformat(now_item["starts_at"]) == now - timedelta(hours=1)
    assert datetime.fromisoformat(now_item["ends_at"]).utcoffset() is not None


def test_station_and_receipt_url(app, officer):
    body = officer.get("/api/reference").get_json()
    assert body["station"] is None
    assert body["receipt_url"] == "http://localhost/receipt"
    team = db.session.scalar(select(Team).where(Team.name == "Rose Hill"))
    team.station = "Cowley Road Police Station"
    db.session.commit()
    app.config["PUBLIC_URL"] = "https://notebook.example.police.uk"
    body = officer.get("/api/reference").get_json()
    assert body["station"] == "Cowley Road Police Station"
    assert body["receipt_url"] == "https://notebook.example.police.uk/receipt"


def test_a_new_authorisation_changes_the_etag(officer):
    etag = officer.get("/api/reference").headers["ETag"]
    assert officer.get("/api/reference", headers={"If-None-Match": etag}).status_code == 304
    authorise()
    changed = officer.get("/api/reference", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert [a["reference"] for a in changed.get_json()["section60_authorisations"]] == ["S60-2026-014"]
    # Ending one early changes it again.
    etag = changed.headers["ETag"]
    auth = db.session.scalar(select(Section60Authorisation))
    auth.ends_at = utcnow()
    db.session.commit()
    assert officer.get("/api/reference", headers={"If-None-Match": etag}).status_code == 200


# --- a supervisor resolving a conflict copy ---------------------------------------

def test_resolving_a_conflict_checks_the_window_of_the_entrys_team(officer, sign_in_device, create_user):
    from fieldapp.models import ConflictCopy
    from fieldapp.review.conflicts import ResolveError, resolve_conflict
    from tests.factories import edit

    auth = authorise(starts_at=utcnow() - timedelta(hours=30))
    entry = s60_search(auth.starts_at + timedelta(minutes=5))
    officer.push(entry)
    officer.push(edit(entry, notes="phone one"))
    spare = sign_in_device("pc1", device_name="spare")
    assert spare.push(edit(entry, notes="phone two"))[0]["status"] == "conflict"
    copy = db.session.scalar(select(ConflictCopy))
    sergeant = create_user("sergeant", role="supervisor")
    outside = {**copy.data, "occurred_at": (auth.ends_at + timedelta(minutes=1)).isoformat()}
    with pytest.raises(ResolveError) as caught:
        resolve_conflict(copy, sergeant.id, outside)
    assert set(caught.value.errors) == {"section60_authorisation"}
    unknown = {**copy.data, "section60_authorisation": "S60-NOPE"}
    with pytest.raises(ResolveError):
        resolve_conflict(db.session.scalar(select(ConflictCopy)), sergeant.id, unknown)
    assert resolve_conflict(db.session.scalar(select(ConflictCopy)), sergeant.id) == 3
