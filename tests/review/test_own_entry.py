"""Nobody decides on an entry they wrote: a supervisor's own stop and search shows read-only to them, their
decision or conflict resolution on it is refused (403, nothing stored), it does not wait for them in their
queue (it does under 'Show everything'), and it waits for the other supervisors of the team and the admin."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import ConflictCopy, Review
from fieldapp.review.operations import OWN_ENTRY
from tests.factories import edit, encounter, stop_search
from tests.fixtures.rows import stored
from tests.fixtures.web import listed, token

DECISION = {"decision": "approved", "grounds_assessment": "reasonable", "bwv_viewed": "y", "entry_version": "1"}


@pytest.fixture
def own(people, sign_in_device, create_user):
    """Sergeant 'sarge' of Rose Hill stopped and searched someone and pushed it from a phone; a second
    supervisor 'sarge2' joins the team. Returns the entry."""
    create_user("sarge2", role="supervisor", team="Rose Hill", display_name="PS Ann Lee")
    entry = stop_search()
    assert sign_in_device("sarge", role="supervisor").push(entry)[0]["status"] == "created"
    return entry


def page(browser, entry) -> tuple[int, str]:
    response = browser.get(f"/review/{entry['id']}")
    return response.status_code, unescape(response.get_data(as_text=True))


def count_of(html: str, name: str) -> int:
    return int(re.search(rf'data-count="{name}"[^>]*>([^<]+)<', html).group(1).replace(",", ""))


def test_the_author_reads_their_entry_without_a_decision_form(own, as_user):
    status, html = page(as_user("sarge"), own)
    assert status == 200 and OWN_ENTRY in html
    assert "Your decision" not in html and 'name="decision"' not in html and "Record decision" not in html
    status, html = page(as_user("sarge2"), own)
    assert status == 200 and OWN_ENTRY not in html and 'name="decision"' in html


def test_the_authors_decision_is_refused_and_nothing_is_stored(own, as_user):
    sarge = as_user("sarge")
    response = sarge.post(f"/review/{own['id']}", data={"csrf_token": token(sarge), **DECISION})
    assert response.status_code == 403 and OWN_ENTRY in unescape(response.get_data(as_text=True))
    assert db.session.scalars(select(Review)).all() == []
    assert stored(own).review_state == "unreviewed"


@pytest.mark.parametrize("reviewer", ["sarge2", "boss"])
def test_another_supervisor_or_an_admin_decides(own, as_user, reviewer):
    browser = as_user(reviewer)
    response = browser.post(f"/review/{own['id']}", data={"csrf_token": token(browser), **DECISION})
    assert response.status_code == 302
    assert stored(own).review_state == "approved"


def test_the_authors_entry_does_not_wait_for_them(own, people, as_user):
    colleague = encounter("asb")
    people["pc1"].push(colleague)
    html = unescape(as_user("sarge").get("/review").get_data(as_text=True))
    assert listed(html) == [colleague["id"]]
    assert count_of(html, "waiting") == 1
    everything = unescape(as_user("sarge").get("/review?order=newest").get_data(as_text=True))
    assert set(listed(everything)) == {own["id"], colleague["id"]}
    assert count_of(everything, "waiting") == 1
    other = unescape(as_user("sarge2").get("/review").get_data(as_text=True))
    assert set(listed(other)) == {own["id"], colleague["id"]} and count_of(other, "waiting") == 2


def test_after_a_decision_next_skips_the_deciders_own_entry(own, people, as_user):
    colleague = encounter("asb")
    people["pc1"].push(colleague)
    sarge = as_user("sarge")
    response = sarge.post(f"/review/{colleague['id']}", data={"csrf_token": token(sarge), "decision": "approved",
                                                              "entry_version": "1"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/review?")
    assert "Nothing else waiting in this list." in unescape(sarge.get(response.headers["Location"])
                                                            .get_data(as_text=True))


@pytest.fixture
def own_conflict(own, sign_in_device):
    """The sergeant's entry at version 2, and a conflict copy from their second phone."""
    first, second = sign_in_device("sarge", device_name="one"), sign_in_device("sarge", device_name="two")
    assert first.push(edit(own, notes="phone one"))[0]["status"] == "updated"
    assert second.push(edit(own, notes="phone two"))[0]["status"] == "conflict"
    return own


def test_the_author_cannot_resolve_a_conflict_on_their_entry(own_conflict, as_user):
    sarge = as_user("sarge")
    status, html = page(sarge, own_conflict)
    assert "waiting for a decision" in html and "Make this the new version" not in html
    copy = db.session.scalar(select(ConflictCopy))
    response = sarge.post(f"/review/{own_conflict['id']}/conflicts/{copy.id}",
                          data={"csrf_token": token(sarge), "action": "resolve", "entry_version": "2"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(ConflictCopy, copy.id).resolved_at is None and stored(own_conflict).version == 2
    html = unescape(as_user("sarge").get("/review?needs=conflicts&order=oldest").get_data(as_text=True))
    assert listed(html) == [] and count_of(html, "conflicts") == 0
    other = as_user("sarge2")
    response = other.post(f"/review/{own_conflict['id']}/conflicts/{copy.id}",
                          data={"csrf_token": token(other), "action": "resolve", "entry_version": "2"})
    assert response.status_code == 302
    db.session.expire_all()
    assert stored(own_conflict).version == 3
