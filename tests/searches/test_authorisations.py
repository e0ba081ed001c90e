"""/searches/authorisations (#15): supervisors record their team's section 60 authorisations (admins any
team's), with UK times, at most 48 hours, a reference unique in the team; ending one early; roles; audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Section60Authorisation, Team, User
from fieldapp.models.types import utcnow
from fieldapp.periods import LOCAL_ZONE
from tests.fixtures.rows import count

PAGE = "/searches/authorisations"


def local(moment: datetime) -> str:
    """An instant as a datetime-local input shows it (UK time)."""
    return moment.astimezone(LOCAL_ZONE).strftime("%Y-%m-%dT%H:%M")


def form(**changes) -> dict[str, str]:
    base = {"reference": "S60-2026-014", "authorising_rank": "Superintendent",
            "area_description": "Blackbird Leys estate, inside the ring road",
            "starts_at": "2026-07-10T18:00", "ends_at": "2026-07-11T06:00"}
    return {**base, **changes}


@pytest.fixture
def record(post_form):
    def post(**changes):
        return post_form(PAGE, form(**changes), token_page=PAGE)
    return post


def stored() -> list[Section60Authorisation]:
    db.session.expire_all()
    return list(db.session.scalars(select(Section60Authorisation).order_by(Section60Authorisation.id)))


def test_a_supervisor_records_one_for_their_team_in_uk_time(client, supervisor, record):
    response = record()
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    [row] = stored()
    assert row.team_id == db.session.scalar(select(Team.id).where(Team.name == "Rose Hill"))
    # 18:00 in July is BST: 17:00 UTC.
    assert row.starts_at == datetime(2026, 7, 10, 17, 0, tzinfo=UTC)
    assert row.ends_at == datetime(2026, 7, 11, 5, 0, tzinfo=UTC)
    assert (row.reference, row.authorising_rank) == ("S60-2026-014", "Superintendent")
    assert row.created_by == db.session.scalar(select(User.id).where(User.username == "sgt"))
    assert count(AuditEvent, AuditEvent.action == "collect", AuditEvent.record_type == "section60_authorisation",
                 AuditEvent.record_id == str(row.id)) == 1


def test_winter_times_are_gmt(client, supervisor, record):
    assert record(starts_at="2026-12-10T18:00", ends_at="2026-12-11T18:00").status_code == 302
    [row] = stored()
    assert row.starts_at == datetime(2026, 12, 10, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(("changes", "message"), [
    ({"ends_at": "2026-07-10T18:00"}, "The end must be after the start."),
    ({"ends_at": "2026-07-10T17:00"}, "The end must be after the start."),
    ({"ends_at": "2026-07-12T18:01"}, "a superintendent may extend it by 24 more: the end must be within 48 hours"),
    ({"reference": "  "}, "Give the authorisation&#39;s reference."),
    ({"reference": "x" * 41}, "The reference must be at most 40 characters."),
    ({"authorising_rank": "Sergeant"}, "Not a valid choice"),
    ({"area_description": ""}, "Describe the area the authorisation covers."),
    ({"starts_at": "tomorrow"}, "Not a valid datetime value"),
    ({"ends_at": ""}, "Give the date and time it ends."),
])
def test_the_forms_errors(client, supervisor, record, changes, message):
    response = record(**changes)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored() == []


def test_exactly_48_hours_is_allowed(client, supervisor, record):
    assert record(ends_at="2026-07-12T18:00").status_code == 302


def test_the_reference_is_unique_in_the_team_only(client, supervisor, record, create_user, admin_client):
    assert record().status_code == 302
    again = record(starts_at="2026-08-01T10:00", ends_at="2026-08-01T20:00")
    assert again.status_code == 400
    assert "The team already has an authorisation with this reference." in again.get_data(as_text=True)
    # Another team may use the same reference (an admin records it for Cowley).
    cowley = db.session.scalar(select(Team.id).where(Team.name == "Cowley"))
    assert admin_client(form(team=str(cowley))).status_code == 302
    assert [(a.team_id, a.reference) for a in stored()][1] == (cowley, "S60-2026-014")


@pytest.fixture
def admin_client(app, create_user):
    """An admin on a client of their own; returns a poster of the authorisation form."""
    from tests.fixtures.web import AuthActions, csrf_token

    create_user("admin1", role="admin", team="Rose Hill", display_name="Sam Admin")
    db.session.add(Team(name="Cowley"))
    db.session.commit()
    browser = app.test_client()
    assert AuthActions(browser).login("admin1").status_code == 302

    def post(data):
        return browser.post(PAGE, data={**data, "csrf_token": csrf_token(browser, PAGE)})

    post.client = browser
    return post


def test_an_admin_must_choose_the_team(admin_client):
    response = admin_client(form())
    assert response.status_code == 400 and "Choose the team." in response.get_data(as_text=True)
    assert admin_client(form(team="9999")).status_code == 400
    assert stored() == []


def test_an_officer_gets_403(client, create_user, auth):
    create_user("pc1", role="officer", team="Rose Hill")
    auth.login("pc1")
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=form()).status_code in (400, 403)
    assert stored() == []


def test_signed_out_is_sent_to_sign_in(client):
    assert client.get(PAGE).status_code == 302


def _authorise(team: str, reference: str, starts: datetime, hours: float = 12) -> Section60Authorisation:
    team_row = db.session.scalar(select(Team).where(Team.name == team))
    if team_row is None:
        team_row = Team(name=team)
        db.session.add(team_row)
        db.session.flush()
    row = Section60Authorisation(team_id=team_row.id, reference=reference, authorising_rank="Inspector",
                                 area_description=f"Area of {reference}", starts_at=starts,
                                 ends_at=starts + timedelta(hours=hours),
                                 created_by=db.session.scalar(select(User.id).order_by(User.id)))
    db.session.add(row)
    db.session.commit()
    return row


def test_the_list_is_split_scoped_and_audited(client, supervisor):
    now = utcnow()
    ids = [_authorise("Rose Hill", "S60-NOW", now - timedelta(hours=1)).id,
           _authorise("Rose Hill", "S60-LATER", now + timedelta(hours=5)).id,
           _authorise("Rose Hill", "S60-DONE", now - timedelta(days=3)).id]
    _authorise("Cowley", "S60-COWLEY", now - timedelta(hours=1))
    page = client.get(PAGE).get_data(as_text=True)
    assert "S60-COWLEY" not in page
    now_at, later_at, form_at, done_at = (page.index(s) for s in (
        "S60-NOW", "S60-LATER", "Record an authorisation</h2>", "S60-DONE"))
    assert page.index("In force now") < now_at < page.index("Future (1)") < later_at < form_at < done_at
    consulted = set(db.session.scalars(select(AuditEvent.record_id).where(
        AuditEvent.action == "consult", AuditEvent.record_type == "section60_authorisation")))
    assert consulted == {str(i) for i in ids}


def test_an_admin_sees_every_team(admin_client):
    _authorise("Cowley", "S60-COWLEY", utcnow() - timedelta(hours=1))
    _authorise("Rose Hill", "S60-ROSE", utcnow() - timedelta(hours=1))
    page = admin_client.client.get(PAGE).get_data(as_text=True)
    assert "S60-COWLEY" in page and "S60-ROSE" in page


def _end(client, row_id: int):
    from tests.fixtures.web import csrf_token

    return client.post(f"{PAGE}/{row_id}/end", data={"csrf_token": csrf_token(client, PAGE)})


def test_ending_one_early(client, supervisor):
    row = _authorise("Rose Hill", "S60-NOW", utcnow() - timedelta(hours=1))
    before = utcnow()
    assert _end(client, row.id).status_code == 302
    [ended] = stored()
    assert before <= ended.ends_at <= utcnow()
    assert count(AuditEvent, AuditEvent.action == "alter", AuditEvent.record_type == "section60_authorisation") == 1
    # Again: nothing changes.
    _end(client, row.id)
    assert stored()[0].ends_at == ended.ends_at


def test_a_future_one_cannot_be_ended_and_another_teams_is_404(client, supervisor):
    future = _authorise("Rose Hill", "S60-LATER", utcnow() + timedelta(hours=5))
    cowley = _authorise("Cowley", "S60-COWLEY", utcnow() - timedelta(hours=1))
    response = _end(client, future.id)
    assert response.status_code == 302
    assert "has not started" in client.get(PAGE).get_data(as_text=True)
    assert _end(client, cowley.id).status_code == 404
    assert [a.ends_at for a in stored()] == [future.ends_at, cowley.ends_at]
    assert count(AuditEvent, AuditEvent.action == "alter") == 0
