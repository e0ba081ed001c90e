"""GET/POST /review/<id>: every field (what is decided on first, the fields not recorded folded, the location
and measures with their units, times on the UK clock), versions and their differences, decisions and
refused ones, scope, contact details, photos, conflict resolution, and the audit event each of them writes."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime
from html import unescape

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import ConflictCopy, Entry, EntryVersion, Review, User
from fieldapp.reference import reference_lists
from fieldapp.review.detail import LOCATION_FIELDS, SCENE_FIELDS, load_detail
from fieldapp.review.forms import DecisionForm
from fieldapp.review.queries import Viewer
from fieldapp.times import uk_text
from sync.schema import ENCOUNTER_BY_KIND, ENCOUNTER_COMMON
from tests.factories import edit, encounter, item, stop_search, visit
from tests.fixtures.rows import audit_events, stored
from tests.fixtures.web import token
from tests.images import png

PNG = png(extra=b"\x00")  # a real PNG: the server checks the structure
FULL_STOP_SEARCH = {
    "location_text": "Outside 12 Rose Hill", "bwv_footage_ref": "BWV-2211-07", "notes": "Calm throughout.",
    "search_type": "Person and Vehicle search", "vehicle_registration": "AB12 CDE",
    "operation_name": "Op Lantern", "outcome": "Arrest", "outcome_linked_to_object_of_search": True,
    "removal_of_more_than_outer_clothing": True, "self_defined_ethnicity": "Other ethnic group - Not stated",
}


def field_value(html: str, name: str) -> str:
    """The displayed value of one field of the current version."""
    match = re.search(rf'<dd data-field="{name}">(.*?)</dd>', html, re.S)
    assert match, f"field {name} not shown"
    return unescape(match.group(1))


def reviews() -> list[Review]:
    """Every decision recorded, oldest first."""
    db.session.expire_all()
    return list(db.session.scalars(select(Review).order_by(Review.id)))


def page(browser, entry) -> tuple[int, str]:
    """The status and unescaped HTML of an entry's review page."""
    response = browser.get(f"/review/{entry['id']}")
    return response.status_code, unescape(response.get_data(as_text=True))


def test_every_field_of_a_full_stop_search(people, as_user):
    entry = stop_search(**FULL_STOP_SEARCH)
    people["pc1"].push(entry)
    status, html = page(as_user("sarge"), entry)
    assert status == 200
    lists = reference_lists()
    for name, spec in {**ENCOUNTER_COMMON, **ENCOUNTER_BY_KIND["stop_search"]}.items():
        if name in LOCATION_FIELDS or name == "photos" or name in SCENE_FIELDS:  # SCENE_FIELDS: own section
            continue  # one 'Location' row; the photos in their own section
        shown = field_value(html, name)
        raw = entry["data"].get(name)
        if name == "bwv_reason_not_used":
            assert shown == "Not recorded"
        elif isinstance(raw, bool):
            assert shown == ("Yes" if raw else "No"), name
        elif spec.list_name:
            assert shown == lists.label(spec.list_name, raw), name
        elif name == "occurred_at":
            assert shown == uk_text(datetime.fromisoformat(raw))  # on the UK clock, once
        else:
            assert shown == str(raw), name
        assert f">{spec.label}<" in html, name
    # Labels, not stored values, where they differ.
    assert field_value(html, "self_defined_ethnicity") == "Not stated"
    assert field_value(html, "search_type") == "Person and vehicle search"
    assert field_value(html, "location").startswith("Outside 12 Rose Hill<br>51.7290, -1.2343 (within 8 m)")
    lat, lon = "51.729000", "-1.234300"
    assert f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}" in html
    assert "<iframe" not in html and "tile" not in html.lower()
    assert "PC1 (pc1), Rose Hill" in html and "(UTC" not in html
    assert "Your decision" in html and 'name="grounds_assessment"' in html and 'name="bwv_viewed"' in html


def test_what_is_decided_on_comes_before_the_history(people, as_user):
    entry = stop_search()
    people["pc1"].push(entry)
    people["pc1"].push(edit(entry, notes="Added after the shift."))
    status, html = page(as_user("sarge"), entry)
    order = [html.index(text) for text in (
        ">Officer<", ">Search type<", ">Legislation<", ">Object of search<", ">Grounds<", ">Outcome<",
        ">Self-defined ethnicity<", "Not recorded (", ">Photos<", "Your decision", "Record decision",
        ">Review history<", ">Versions<")]
    assert order == sorted(order)


def test_fields_not_recorded_are_gathered_folded_and_counted(people, as_user):
    entry = stop_search()
    people["pc1"].push(entry)
    status, html = page(as_user("sarge"), entry)
    folded = re.search(r"<details[^>]*>\s*<summary>Not recorded \((\d+)\)</summary>(.*?)</details>", html, re.S)
    assert folded, "no folded list of the fields not recorded"
    names = re.findall(r'<dd data-field="(\w+)">Not recorded</dd>', folded.group(2))
    # In reading order: the kind's fields first, then the common ones.
    assert names == ["vehicle_registration", "operation_name", "bwv_reason_not_used", "bwv_footage_ref", "notes"]
    assert int(folded.group(1)) == len(names) == 5
    # Nowhere else: the facts read straight through.
    assert html.count(">Not recorded<") == 5
    assert html.index(">Grounds<") < folded.start()


def test_location_shows_the_coordinates_with_their_accuracy_in_metres(people, as_user):
    with_fix = stop_search(location_accuracy_m=12.0)
    words_only = encounter(location_text="By the bus shelter, Rose Hill")
    people["pc1"].push(with_fix, words_only)
    sarge = as_user("sarge")
    status, html = page(sarge, with_fix)
    assert field_value(html, "location").startswith("51.7290, -1.2343 (within 12 m) · <a href=")
    assert "12.0" not in html and ">Location<" in html
    assert 'data-field="location">Not recorded' not in html
    status, html = page(sarge, words_only)
    assert field_value(html, "location") == "By the bus shelter, Rose Hill"


def test_measures_carry_their_unit(people, as_user):
    entry = encounter("asb", asb_action="s35_direction", authorisation_ref="INSP 4411", exclusion_hours=48,
                      area_description="Town centre inside the ring road")
    [result] = people["pc1"].push(entry)
    assert "errors" not in result, result
    status, html = page(as_user("sarge"), entry)
    assert field_value(html, "exclusion_hours") == "48 hours"


def test_times_are_on_the_uk_clock_once(people, as_user):
    summer = stop_search(occurred_at="2026-07-01T11:30:00+00:00")  # BST: 12:30 in the UK
    people["pc1"].push(summer)
    status, html = page(as_user("sarge"), summer)
    assert field_value(html, "occurred_at") == "Wed 01 Jul 2026, 12:30"
    assert "(UTC" not in html
    received = stored(summer).received_at
    assert f">{uk_text(received)}</time>" in html


def test_the_decision_form_keeps_the_queue_and_opens_at_itself(app, people):
    entry = stop_search()
    people["pc1"].push(entry)
    sarge = db.session.scalar(select(User).where(User.username == "sarge"))
    with app.test_request_context(f"/review/{entry['id']}?state=unreviewed&order=oldest"):
        login_user(sarge)
        viewer = Viewer(role=sarge.role, user_id=sarge.id, team_id=sarge.team_id)
        html = unescape(render_template(
            "review/entry.html", d=load_detail(stored(entry), viewer), form=DecisionForm(formdata=None),
            conflict_form=None, queue_args={"state": "unreviewed", "order": "oldest"},
            position="3 of 17 waiting"))
    action = re.search(r'<form method="post" action="([^"]*)"[^>]*data-review-keys', html).group(1)
    path, _, fragment = action.partition("#")
    assert fragment == "decide" and 'id="decide"' in html
    assert path.startswith(f"/review/{entry['id']}?")
    assert sorted(path.split("?")[1].split("&")) == ["order=oldest", "state=unreviewed"]
    assert "3 of 17 waiting" in html
    back = re.search(r'<a href="([^"]*)">Back to the queue</a>', html).group(1)
    assert back.startswith("/review?") and sorted(back.split("?")[1].split("&")) == ["order=oldest",
                                                                                     "state=unreviewed"]


def test_versions_show_what_changed(people, as_user):
    entry = stop_search()
    people["pc1"].push(entry)
    people["pc1"].push(edit(entry, notes="Added after the shift.", outcome="Arrest"))
    status, html = page(as_user("sarge"), entry)
    assert status == 200 and "Version 2 (current)" in html
    diff = re.search(r"What changed from version 1</caption>(.*?)</table>", html, re.S).group(1)
    rows = re.findall(r'<th scope="row">(.*?)</th><td>(.*?)</td><td>(.*?)</td>', diff)
    # In the form's order: common fields first, then those of the kind.
    assert rows == [("Notes", "Not recorded", "Added after the shift."), ("Outcome", "No further action", "Arrest")]


def test_a_decision_is_recorded_and_reaches_the_officer(people, as_user):
    entry = stop_search()
    phone = people["pc1"]
    phone.push(entry)
    browser = as_user("sarge")
    response = browser.post(f"/review/{entry['id']}", data={
        "csrf_token": token(browser), "decision": "returned", "comment": "Say when you saw the exchange.",
        "grounds_assessment": "weak", "bwv_viewed": "y", "entry_version": "1"})
    assert response.status_code == 302
    assert "Decision recorded: Returned to the officer." in unescape(
        browser.get(response.headers["Location"]).get_data(as_text=True))
    [review] = reviews()
    assert (review.decision, review.comment, review.grounds_assessment, review.bwv_viewed) == (
        "returned", "Say when you saw the exchange.", "weak", True)
    assert stored(entry).review_state == "returned"
    [change] = phone.pull()["changes"]
    assert change["id"] == entry["id"] and change["review"]["decision"] == "returned"
    assert change["review"]["comment"] == "Say when you saw the exchange."
    assert change["review"]["grounds_assessment"] == "weak"
    html = unescape(browser.get(f"/review/{entry['id']}").get_data(as_text=True))
    assert "Grounds: Weak" in html and "Say when you saw the exchange." in html
    [event] = [e for e in audit_events("alter", "entry") if e.detail == "review: returned"]
    assert event.record_id == entry["id"]


def test_the_officer_reads_the_decision_but_cannot_decide(people, as_user):
    entry = stop_search()
    people["pc1"].push(entry)
    sarge = as_user("sarge")
    sarge.post(f"/review/{entry['id']}", data={"csrf_token": token(sarge), "decision": "returned",
                                              "comment": "Add the footage reference."})
    officer = as_user("pc1")
    status, html = page(officer, entry)
    assert status == 200 and "Add the footage reference." in html
    assert "Your decision" not in html and 'name="decision"' not in html
    response = officer.post(f"/review/{entry['id']}", data={"csrf_token": token(officer), "decision": "approved"})
    assert response.status_code == 403 and len(reviews()) == 1


def test_returning_without_a_comment_is_refused_on_the_form(people, as_user):
    entry = stop_search()
    people["pc1"].push(entry)
    browser = as_user("sarge")
    response = browser.post(f"/review/{entry['id']}", data={"csrf_token": token(browser), "decision": "returned",
                                                            "comment": "   "})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    # The message at the comment box, and a summary at the top of the decision panel linking to it.
    assert re.search(r'id="comment-error">Say what the officer should change', html)
    summary = re.search(r'<div class="error-summary"[^>]*role="alert".*?</div>', html, re.S).group(0)
    assert "There is a problem" in summary
    assert '<a href="#comment">Say what the officer should change when returning an entry.</a>' in summary
    assert html.index("There is a problem") < html.index('name="decision"')
    assert reviews() == [] and stored(entry).review_state == "unreviewed"


def test_without_csrf_nothing_is_recorded(people, as_user):
    entry = stop_search()
    people["pc1"].push(entry)
    response = as_user("sarge").post(f"/review/{entry['id']}", data={"decision": "approved"})
    assert response.status_code == 400 and reviews() == []


def test_a_decision_on_a_version_not_read_is_refused(people, as_user):
    entry = stop_search()
    people["pc1"].push(entry)
    browser = as_user("sarge")
    people["pc1"].push(edit(entry, notes="Changed meanwhile"))
    response = browser.post(f"/review/{entry['id']}", data={"csrf_token": token(browser), "decision": "approved",
                                                            "entry_version": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "A newer version of this entry arrived" in html
    assert reviews() == []
    # The page now shows version 2, and a decision sent from it lands on version 2.
    assert re.search(r'name="entry_version" type="hidden" value="2"', html)
    again = browser.post(f"/review/{entry['id']}", data={"csrf_token": token(browser), "decision": "approved",
                                                         "entry_version": "2"})
    assert again.status_code == 302 and [r.entry_version for r in reviews()] == [2]


def test_out_of_scope_is_404_and_leaks_nothing(people, as_user):
    entry = stop_search()
    people["pc1"].push(entry)
    other = as_user("cowsarge")
    assert other.get(f"/review/{entry['id']}").status_code == 404
    assert other.get(f"/review/{uuid.uuid4()}").status_code == 404
    assert other.get("/review/not-a-uuid").status_code == 404
    response = other.post(f"/review/{entry['id']}", data={"csrf_token": token(other), "decision": "approved"})
    assert response.status_code == 404 and reviews() == []
    colleague = as_user("pc2")
    assert colleague.get(f"/review/{entry['id']}").status_code == 404
    assert as_user("boss").get(f"/review/{entry['id']}").status_code == 200


def test_each_view_is_audited(people, as_user):
    entry = stop_search()
    people["pc1"].push(entry)
    as_user("sarge").get(f"/review/{entry['id']}")
    [event] = audit_events("consult", "entry")
    assert event.record_id == entry["id"] and event.actor_id is not None
    assert audit_events("consult", "contact_details") == []


@pytest.fixture
def card(people, postbox):
    """A resident's card asking to be contacted, on a visit to the postbox."""
    box_visit = visit(postbox)
    card = item(box_visit["id"], anonymity="contact_requested", contact_details="07700 900123, flat 4")
    people["pc1"].push(box_visit, card)
    return card


def test_contact_details_only_for_supervisors_and_each_showing_audited(card, as_user):
    status, html = page(as_user("sarge"), card)
    assert status == 200 and field_value(html, "contact_details") == "07700 900123, flat 4"
    [shown] = audit_events("consult", "contact_details")
    assert shown.record_id == card["id"]
    page(as_user("boss"), card)
    assert len(audit_events("consult", "contact_details")) == 2
    status, html = page(as_user("pc1"), card)
    assert status == 200 and "07700" not in html
    assert field_value(html, "contact_details") == "Shown to supervisors only"
    assert len(audit_events("consult", "contact_details")) == 2


def test_photos_are_served_to_supervisors_and_audited(people, as_user):
    entry = stop_search()
    phone = people["pc1"]
    phone.push(entry)
    photo_id = str(uuid.uuid4())
    uploaded = phone.put(f"/api/entries/{entry['id']}/photos/{photo_id}", data=PNG, headers={
        "Content-Type": "image/png", "X-Content-SHA256": hashlib.sha256(PNG).hexdigest()})
    assert uploaded.status_code == 201
    sarge = as_user("sarge")
    link = f"/review/{entry['id']}/photos/{photo_id}"
    assert link in sarge.get(f"/review/{entry['id']}").get_data(as_text=True)
    response = sarge.get(link)
    assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "no-store"  # personal data: no copy kept by the browser
    [event] = audit_events("consult", "photo")
    assert event.record_id == photo_id
    assert as_user("pc1").get(link).status_code == 403
    assert as_user("cowsarge").get(link).status_code == 404
    assert sarge.get(f"/review/{entry['id']}/photos/{uuid.uuid4()}").status_code == 404
    assert len(audit_events("consult", "photo")) == 1


@pytest.fixture
def conflict(people, sign_in_device):
    """An entry at version 2 and a conflict copy from a second phone that had only seen version 1."""
    entry = stop_search()
    people["pc1"].push(entry)
    people["pc1"].push(edit(entry, notes="phone one"))
    spare = sign_in_device("pc1", device_name="spare")
    assert spare.push(edit(entry, notes="phone two"))[0]["status"] == "conflict"
    return entry


def test_a_conflict_copy_is_shown_and_made_the_new_version(conflict, people, as_user):
    browser = as_user("sarge")
    status, html = page(browser, conflict)
    assert status == 200 and "waiting for a decision" in html
    assert re.search(r"<th scope=\"row\">Notes</th><td>phone one</td><td>phone two</td>", html)
    copy = db.session.scalar(select(ConflictCopy))
    response = browser.post(f"/review/{conflict['id']}/conflicts/{copy.id}",
                            data={"csrf_token": token(browser), "action": "resolve"})
    assert response.status_code == 302
    db.session.expire_all()
    assert stored(conflict).version == 3
    assert db.session.get(EntryVersion, (stored(conflict).id, 3)).data["notes"] == "phone two"
    assert db.session.get(ConflictCopy, copy.id).resolved_version == 3
    assert any(e.detail == f"conflict copy {copy.id} made version 3" for e in audit_events("alter", "entry"))
    html = unescape(browser.get(f"/review/{conflict['id']}").get_data(as_text=True))
    assert "The conflict copy is now version 3." in html and "Version 3 (current)" in html
    assert "waiting for a decision" not in html
    # Resolving again changes nothing.
    again = browser.post(f"/review/{conflict['id']}/conflicts/{copy.id}",
                         data={"csrf_token": token(browser), "action": "resolve"})
    assert again.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(EntryVersion)) == 3
    assert people["pc1"].pull()["changes"][-1]["version"] == 3


def test_keeping_the_current_version_keeps_the_copy_on_record(conflict, as_user):
    browser = as_user("sarge")
    copy = db.session.scalar(select(ConflictCopy))
    response = browser.post(f"/review/{conflict['id']}/conflicts/{copy.id}",
                            data={"csrf_token": token(browser), "action": "dismiss"})
    assert response.status_code == 302
    db.session.expire_all()
    assert stored(conflict).version == 2 and db.session.get(ConflictCopy, copy.id).resolved_version == 2
    assert any(e.detail == f"conflict copy {copy.id} dismissed" for e in audit_events("alter", "entry"))


def test_conflicts_are_for_supervisors_only(conflict, as_user):
    copy = db.session.scalar(select(ConflictCopy))
    officer = as_user("pc1")
    html = officer.get(f"/review/{conflict['id']}").get_data(as_text=True)
    assert "Make this the new version" not in html
    response = officer.post(f"/review/{conflict['id']}/conflicts/{copy.id}",
                            data={"csrf_token": token(officer), "action": "resolve"})
    assert response.status_code == 403
    other = as_user("cowsarge")
    response = other.post(f"/review/{conflict['id']}/conflicts/{copy.id}",
                          data={"csrf_token": token(other), "action": "resolve"})
    assert response.status_code == 404
    no_csrf = as_user("sarge").post(f"/review/{conflict['id']}/conflicts/{copy.id}", data={"action": "resolve"})
    assert no_csrf.status_code == 400
    db.session.expire_all()
    assert db.session.get(Entry, stored(conflict).id).version == 2
    assert db.session.get(ConflictCopy, copy.id).resolved_at is None
