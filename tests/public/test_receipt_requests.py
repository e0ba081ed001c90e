"""/receipt (#15): the public asks for the record of their search by its receipt reference.

Known and unknown references get the same answer; requests are stored with their deadline and the
search they name, audited, and limited per address in the database (SQLite and PostgreSQL).
"""

from __future__ import annotations

import re
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditAction, AuditEvent, RecordRequest, Team
from fieldapp.models.types import utcnow
from sync.receipts import new_reference
from tests import factories
from tests.fixtures.web import csrf_token

HOME = "203.0.113.7"
ELSEWHERE = "198.51.100.2"


@pytest.fixture
def searched(sign_in_device) -> tuple[str, str]:
    """A stop and search by PC1 of Rose Hill with a receipt: (entry id, reference)."""
    reference = new_reference()
    entry = factories.stop_search(receipt_ref=reference)
    sign_in_device("pc1").push(entry)
    return entry["id"], reference


def ask(app, reference: str, contact: str = "jo@example.org", *, addr: str = HOME, client=None, **extra):
    """Submit the form from a browser at ``addr`` (a fresh one unless given), CSRF token included."""
    client = client or app.test_client()
    data = {"reference": reference, "contact": contact, "csrf_token": csrf_token(client, "/receipt"), **extra}
    return client.post("/receipt", data=data, environ_base={"REMOTE_ADDR": addr})


def stored() -> list[RecordRequest]:
    db.session.expire_all()
    return list(db.session.scalars(select(RecordRequest).order_by(RecordRequest.id)))


def events(action: AuditAction) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "record_request",
                                                            AuditEvent.action == str(action))
                                   .order_by(AuditEvent.seq)))


def test_the_form_is_public_private_and_prefilled_from_the_qr_link(client):
    response = client.get("/receipt?ref=7KQ4-MX9T-HC3W")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert 'value="7KQ4-MX9T-HC3W"' in page
    assert 'action="/receipt"' in page  # the answer's address carries nothing typed
    assert "<script" not in page and " style=" not in page and "onclick" not in page
    for name in ("reference", "contact", "preference-0", "preference-1", "preference-2", "preference-3"):
        assert f'<label for="{name}">' in page
    assert "3 months" in page and "12 months in some cases" in page


def test_known_and_unknown_references_get_the_same_answer(app, searched):
    entry_id, known = searched
    unknown = new_reference()
    answers = {ref: ask(app, ref) for ref in (known, unknown, "HELLO-WORLD-1234", "not a reference at all")}
    assert {response.status_code for response in answers.values()} == {200}
    bodies = {response.get_data(as_text=True).replace(ref, "REF") for ref, response in answers.items()}
    assert len(bodies) == 1
    body = bodies.pop()
    assert "Request received" in body and "REF" in body
    # Nothing about the search: not its grounds, legislation, object, outcome, officer or id.
    for secret in (factories.GROUNDS[:30], "Misuse of Drugs", "Controlled drugs", "no further action", "PC1",
                   entry_id, "Rose Hill"):
        assert secret not in body
    assert all(response.headers["Cache-Control"] == "no-store" for response in answers.values())
    assert len({tuple(sorted(response.headers.keys())) for response in answers.values()}) == 1


def test_a_request_is_stored_with_its_deadline_and_the_search_it_names(app, searched):
    entry_id, known = searched
    typed = known.lower().replace("-", " ")
    assert ask(app, typed, "07700 900123", preference="phone").status_code == 200
    assert ask(app, "ABCD-EFGH-JKMN", "1 High St, Oxford").status_code == 200
    matched, unmatched = stored()
    team_id = db.session.scalar(select(Team.id).where(Team.name == "Rose Hill"))
    assert (str(matched.entry_id), matched.team_id, matched.reference) == (entry_id, team_id, known)
    assert matched.contact == "Prefers phone: 07700 900123"
    assert matched.due_at - matched.requested_at == timedelta(days=app.config["RECORD_REQUEST_ANSWER_DAYS"])
    assert abs(utcnow() - matched.requested_at) < timedelta(minutes=1)
    assert matched.answered_at is None
    assert (unmatched.entry_id, unmatched.team_id, unmatched.reference) == (None, None, "ABCD-EFGH-JKMN")
    assert unmatched.contact == "1 High St, Oxford"


def test_each_request_is_audited_with_its_address(app, searched):
    _, known = searched
    ask(app, known)
    ask(app, "ABCD-EFGH-JKMN")
    first, second = stored()
    logged = events(AuditAction.COLLECT)
    assert [(e.record_id, e.remote_addr, e.actor_id) for e in logged] == [
        (str(first.id), HOME, None), (str(second.id), HOME, None)]
    assert "matches a search" in logged[0].detail and "no search has this reference" in logged[1].detail
    assert "jo@example.org" not in logged[0].detail  # the log holds metadata, never the contact


@pytest.mark.parametrize(("reference", "contact", "message"), [
    ("", "jo@example.org", "Enter the reference printed on your receipt."),
    ("   ", "jo@example.org", "Enter the reference printed on your receipt."),
    ("7KQ4-MX9T-HC3W", "", "Enter an email address, a phone number or a postal address."),
    ("7KQ4-MX9T-HC3W", "x" * 501, "Please keep this to 500 characters or fewer."),
])
def test_a_blank_reference_or_a_blank_or_long_contact_is_shown_on_the_form(app, reference, contact, message):
    response = ask(app, reference, contact)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and 'aria-invalid="true"' in page
    assert stored() == [] and events(AuditAction.COLLECT) == []


def test_the_form_needs_its_csrf_token(client):
    response = client.post("/receipt", data={"reference": "7KQ4-MX9T-HC3W", "contact": "jo@example.org"})
    assert response.status_code == 400
    assert stored() == []


def test_the_sixth_request_in_an_hour_from_one_address_is_refused(app, searched, monkeypatch):
    _, known = searched
    limit = app.config["RECEIPT_REQUESTS_PER_HOUR"]
    assert limit == 5
    for _ in range(limit):
        assert ask(app, known).status_code == 200
    refused = ask(app, known)
    assert refused.status_code == 429
    assert "try again" in refused.get_data(as_text=True)
    assert refused.headers["Cache-Control"] == "no-store" and refused.headers["Retry-After"] == "3600"
    assert len(stored()) == limit  # nothing stored for the refused one
    [refusal] = events(AuditAction.CONSULT)
    assert refusal.remote_addr == HOME and "refused" in refusal.detail
    # Another address is not held back; nor is this one an hour later.
    assert ask(app, known, addr=ELSEWHERE).status_code == 200
    later = utcnow() + timedelta(minutes=61)
    monkeypatch.setattr("fieldapp.public.routes.utcnow", lambda: later)
    assert ask(app, known).status_code == 200
    assert len(stored()) == limit + 2


def test_an_unknown_reference_counts_the_same_and_is_refused_the_same(app, searched):
    _, known = searched
    for n in range(5):
        ask(app, known if n % 2 else new_reference())
    over_known, over_unknown = ask(app, known), ask(app, new_reference())
    assert over_known.status_code == over_unknown.status_code == 429
    assert over_known.get_data() == over_unknown.get_data()


def test_concurrent_requests_from_one_address_never_pass_the_limit(app):
    """Twelve submissions at once from one address: the count and the insert are under one lock, so
    exactly the limit of them are stored."""
    attempts, limit = 12, app.config["RECEIPT_REQUESTS_PER_HOUR"]
    barrier, statuses, lock = threading.Barrier(attempts), [], threading.Lock()

    def submit() -> None:
        client = app.test_client()
        token = csrf_token(client, "/receipt")
        barrier.wait()
        response = client.post("/receipt", environ_base={"REMOTE_ADDR": HOME}, data={
            "reference": new_reference(), "contact": f"{uuid.uuid4().hex}@example.org", "csrf_token": token})
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=submit) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == [200] * limit + [429] * (attempts - limit)
    assert len(stored()) == limit


def test_the_answer_page_holds_no_form_data_in_its_address(app):
    response = ask(app, "7KQ4-MX9T-HC3W", "jo@example.org")
    assert response.status_code == 200  # rendered from the POST: no redirect to an address with the contact
    assert "jo@example.org" not in response.get_data(as_text=True)
    assert not re.search(r"Location", str(response.headers))


def test_all_addresses_together_are_held_to_twenty_times_one_addresss_limit(app, searched):
    """A flood from many addresses (an IPv6 network has billions) cannot fill supervisors' lists."""
    _, known = searched
    app.config["RECEIPT_REQUESTS_PER_HOUR"] = 1  # so that the cap is 20
    for n in range(20):
        assert ask(app, new_reference(), addr=f"2001:db8::{n + 1:x}").status_code == 200
    refused = ask(app, known, addr="2001:db8::ffff")  # a known reference, a fresh address: refused alike
    assert refused.status_code == 429
    assert len(stored()) == 20
    assert "from all addresses" in events(AuditAction.CONSULT)[-1].detail
