"""/searches/requests (#15): the public's record requests as supervisors' tasks.

Supervisors see their team's requests and those no search matched; admins see all; officers none.
Each listing of contact details is audited, and so is marking a request answered.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditAction, AuditEvent, RecordRequest, Team, User
from fieldapp.models.types import utcnow
from fieldapp.periods import LOCAL_ZONE
from sync.receipts import new_reference
from tests import factories


def _request(reference: str, contact: str, *, entry_id=None, team: str | None = None,
             requested_ago: timedelta = timedelta(hours=2), days: int = 7) -> int:
    """A stored request, as /receipt stores one; its id."""
    team_id = db.session.scalar(select(Team.id).where(Team.name == team)) if team else None
    requested_at = utcnow() - requested_ago
    row = RecordRequest(reference=reference, entry_id=entry_id, team_id=team_id, contact=contact,
                        requested_at=requested_at, due_at=requested_at + timedelta(days=days))
    db.session.add(row)
    db.session.commit()
    return row.id


@pytest.fixture
def tasks(sign_in_device) -> dict[str, object]:
    """A search in Rose Hill and one in Cowley, each asked for; an unmatched request; an overdue one."""
    rose_ref, cowley_ref = new_reference(), new_reference()
    rose, cowley = factories.stop_search(receipt_ref=rose_ref), factories.stop_search(receipt_ref=cowley_ref)
    sign_in_device("pc1").push(rose)
    sign_in_device("pc9", team="Cowley").push(cowley)
    return {
        "rose_entry": rose["id"],
        "rose": _request(rose_ref, "rose@example.org", entry_id=uuid.UUID(rose["id"]), team="Rose Hill"),
        "cowley": _request(cowley_ref, "cowley@example.org", entry_id=uuid.UUID(cowley["id"]), team="Cowley"),
        "unmatched": _request("ABCD-EFGH-JKMN", "Prefers post: 1 High St, Oxford"),
        "overdue": _request(rose_ref, "late@example.org", entry_id=uuid.UUID(rose["id"]), team="Rose Hill",
                            requested_ago=timedelta(days=9)),
    }


def _token(page: str, request_id: int) -> str:
    """The CSRF token of one request's answer form on the task list."""
    match = re.search(rf'name="r{request_id}-csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, f"no answer form for request {request_id}"
    return match.group(1)


def _answer(client, request_id: int, **fields: str):
    page = client.get("/searches/requests").get_data(as_text=True)
    data = {f"r{request_id}-{name}": value for name, value in fields.items()}
    return client.post(f"/searches/requests/{request_id}/answer",
                       data={f"r{request_id}-csrf_token": _token(page, request_id), **data})


def _row(request_id: int) -> RecordRequest:
    db.session.expire_all()
    return db.session.get(RecordRequest, request_id)


def test_officers_may_not_see_the_requests(tasks, signed_in):
    officer = signed_in("pc2")
    assert officer.client.get("/searches/requests").status_code == 403
    assert officer.client.post(f"/searches/requests/{tasks['rose']}/answer", data={}).status_code in {400, 403}


def test_signed_out_people_are_sent_to_sign_in(tasks, client):
    response = client.get("/searches/requests")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_supervisor_sees_their_teams_requests_and_the_unmatched_ones(tasks, supervisor, client):
    response = client.get("/searches/requests")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "rose@example.org" in page and "late@example.org" in page and "1 High St, Oxford" in page
    assert "cowley@example.org" not in page
    assert f'href="/review/{tasks["rose_entry"]}"' in page
    assert "No search has this reference" in page
    # Open ones by deadline: the overdue one first, marked.
    order = [int(n) for n in re.findall(r'data-request="(\d+)"', page)]
    assert order[0] == tasks["overdue"]
    assert "Overdue" in page and "overdue by 2 days" in page and "due in 6 days" in page


def test_each_listing_of_contact_details_is_audited(tasks, supervisor, client):
    client.get("/searches/requests")
    logged = db.session.scalars(select(AuditEvent.record_id).where(
        AuditEvent.record_type == "record_request", AuditEvent.action == str(AuditAction.CONSULT))).all()
    assert sorted(logged) == sorted(str(tasks[name]) for name in ("rose", "unmatched", "overdue"))


def test_another_teams_supervisor_sees_neither_the_request_nor_may_answer_it(tasks, signed_in):
    cowley = signed_in("sgt9", role="supervisor", team="Cowley")
    page = cowley.client.get("/searches/requests").get_data(as_text=True)
    assert "cowley@example.org" in page and "1 High St, Oxford" in page
    assert "rose@example.org" not in page and "late@example.org" not in page
    token = _token(page, tasks["cowley"])  # any valid token of this session
    response = cowley.client.post(f"/searches/requests/{tasks['rose']}/answer",
                                  data={f"r{tasks['cowley']}-csrf_token": token, f"r{tasks['rose']}-method": "email"})
    assert response.status_code == 404
    assert _row(tasks["rose"]).answered_at is None


def test_an_admin_sees_every_request_with_its_team(tasks, admin, client):
    page = client.get("/searches/requests").get_data(as_text=True)
    for contact in ("rose@example.org", "cowley@example.org", "1 High St, Oxford", "late@example.org"):
        assert contact in page
    assert "Cowley" in page


def test_marking_a_request_answered(tasks, supervisor, client):
    response = _answer(client, tasks["rose"], method="letter", answered_at="", note="Copy posted first class.")
    assert response.status_code == 302
    row = _row(tasks["rose"])
    sgt = db.session.scalar(select(User).where(User.username == "sgt"))
    assert (row.answer_method, row.answer_note, row.answered_by) == ("letter", "Copy posted first class.", sgt.id)
    assert abs(utcnow() - row.answered_at) < timedelta(minutes=1)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == str(AuditAction.ALTER),
                                                          AuditEvent.record_type == "record_request")).all()
    assert event.record_id == str(row.id) and event.actor_id == sgt.id
    page = client.get("/searches/requests").get_data(as_text=True)
    answered = page.split("<h2>Answered</h2>")[1]
    assert "rose@example.org" in answered and "Letter" in answered and "PS Hughes" in answered
    assert f'name="r{tasks["rose"]}-method"' not in page  # no form any more
    # A second answer changes nothing.
    again = client.post(f"/searches/requests/{tasks['rose']}/answer",
                        data={f"r{tasks['overdue']}-csrf_token": _token(page, tasks["overdue"]),
                              f"r{tasks['rose']}-method": "email"})
    assert again.status_code == 302 and _row(tasks["rose"]).answer_method == "letter"


def test_the_time_answered_is_read_on_the_uk_clock(tasks, supervisor, client):
    requested = _row(tasks["overdue"]).requested_at
    local = (requested + timedelta(hours=3)).astimezone(LOCAL_ZONE)
    response = _answer(client, tasks["overdue"], method="phone", answered_at=f"{local:%Y-%m-%dT%H:%M}")
    assert response.status_code == 302
    assert _row(tasks["overdue"]).answered_at == (requested + timedelta(hours=3)).replace(second=0, microsecond=0)


@pytest.mark.parametrize(("fields", "message"), [
    ({"method": ""}, "Choose how the request was answered."),
    ({"method": "carrier pigeon"}, "Not a valid choice"),
    ({"method": "email", "answered_at": "yesterday"}, "Not a valid datetime value"),
    ({"method": "email", "answered_at": "2099-01-01T10:00"}, "That time is in the future."),
    ({"method": "email", "answered_at": "2020-01-01T10:00"}, "That is before the request was made."),
])
def test_a_bad_answer_is_shown_on_its_form(tasks, supervisor, client, fields, message):
    response = _answer(client, tasks["rose"], **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _row(tasks["rose"]).answered_at is None


def test_answering_needs_the_csrf_token(tasks, supervisor, client):
    response = client.post(f"/searches/requests/{tasks['rose']}/answer", data={f"r{tasks['rose']}-method": "email"})
    assert response.status_code == 400
    assert _row(tasks["rose"]).answered_at is None


def test_a_request_made_on_receipt_reaches_the_teams_supervisor(app, sign_in_device, supervisor, client):
    """End to end: the public page's request is on the task list of the search's team."""
    from tests.fixtures.web import csrf_token

    reference = new_reference()
    sign_in_device("pc1").push(factories.stop_search(receipt_ref=reference))
    public = app.test_client()
    public.post("/receipt", data={"reference": reference, "contact": "jo@example.org",
                                  "csrf_token": csrf_token(public, "/receipt")})
    page = client.get("/searches/requests").get_data(as_text=True)
    assert "jo@example.org" in page and reference in page and "due in 6 days" in page

