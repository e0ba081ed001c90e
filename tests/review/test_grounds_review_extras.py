"""The grounds review of a stop and search (#15): manner and communication notes and the footage viewed,
saved with the decision and shown in the history; the receipt reference, the section 60 authorisation
and the grounds prompts' warnings shown beside the record."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html import unescape

from sqlalchemy import select, update

from fieldapp.extensions import db
from fieldapp.models import Encounter, Review, Section60Authorisation, Team, User
from fieldapp.models.types import utcnow
from fieldapp.reference import reference_lists
from sync.receipts import new_reference
from tests.factories import encounter, stop_search
from tests.fixtures.web import token


def page(browser, entry) -> str:
    """The unescaped HTML of an entry's review page (asserting it answered 200)."""
    response = browser.get(f"/review/{entry['id']}")
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def input_value(html: str, name: str) -> str | None:
    """The value attribute of the input named ``name`` (None when it has none)."""
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag, f"no input {name}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def set_encounter(entry, **values) -> None:
    """Set columns of a stored encounter directly (what another app version would have sent)."""
    db.session.execute(update(Encounter).where(Encounter.entry_id == uuid.UUID(entry["id"])).values(**values))
    db.session.commit()


def test_the_footage_reference_is_prefilled_and_the_notes_are_offered(people, as_user):
    entry = stop_search(bwv_footage_ref="BWV-2211-07")
    people["pc1"].push(entry)
    html = page(as_user("sarge"), entry)
    assert input_value(html, "footage_ref") == "BWV-2211-07"
    assert '<label for="footage_ref">Footage reference viewed</label>' in html
    assert '<label for="manner_notes">Manner and communication</label>' in html
    assert re.search(r'<textarea[^>]*name="manner_notes"', html)


def test_other_encounters_have_no_grounds_review(people, as_user):
    entry = encounter("stop_account")
    people["pc1"].push(entry)
    html = page(as_user("sarge"), entry)
    assert 'name="manner_notes"' not in html and 'name="footage_ref"' not in html
    assert "Receipt and grounds prompts" not in html


def test_the_extras_are_saved_with_the_decision_and_shown_in_the_history(people, as_user):
    entry = stop_search(bwv_footage_ref="BWV-2211-07")
    people["pc1"].push(entry)
    browser = as_user("sarge")
    response = browser.post(f"/review/{entry['id']}", data={
        "csrf_token": token(browser), "decision": "approved", "grounds_assessment": "reasonable",
        "bwv_viewed": "y", "footage_ref": "  BWV-2211-08 ",
        "manner_notes": "Explained the power and the receipt; calm and polite throughout.", "entry_version": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    [review] = db.session.scalars(select(Review)).all()
    assert (review.grounds_assessment, review.bwv_viewed, review.footage_ref, review.manner_notes) == (
        "reasonable", True, "BWV-2211-08",
        "Explained the power and the receipt; calm and polite throughout.")
    html = page(browser, entry)
    history = html[html.index('id="history"'):]
    assert "Footage reference viewed: <code>BWV-2211-08</code>" in history
    assert "Explained the power and the receipt; calm and polite throughout." in history
    # The officer reads the assessment of their own search, notes included.
    officer_html = page(as_user("pc1"), entry)
    assert "Explained the power and the receipt" in officer_html


def test_the_extras_are_optional_and_blank_ones_are_stored_as_none(people, as_user):
    entry = stop_search()  # no footage reference recorded
    people["pc1"].push(entry)
    browser = as_user("sarge")
    assert input_value(page(browser, entry), "footage_ref") in (None, "")
    response = browser.post(f"/review/{entry['id']}", data={
        "csrf_token": token(browser), "decision": "approved", "grounds_assessment": "weak",
        "footage_ref": "", "manner_notes": "   ", "entry_version": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    [review] = db.session.scalars(select(Review)).all()
    assert (review.footage_ref, review.manner_notes, review.bwv_viewed) == (None, None, False)


def test_too_long_extras_are_refused_on_the_form(people, as_user):
    entry = stop_search()
    people["pc1"].push(entry)
    browser = as_user("sarge")
    response = browser.post(f"/review/{entry['id']}", data={
        "csrf_token": token(browser), "decision": "approved", "footage_ref": "X" * 101,
        "manner_notes": "y" * 4001, "entry_version": "1"})
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert "Use at most 100 characters." in html and "Use at most 4,000 characters." in html
    assert db.session.scalar(select(Review.id)) is None


def test_the_receipt_and_the_grounds_warnings_are_shown(people, as_user):
    reference = new_reference()
    # As the officer app sends them (through the sync API).
    entry = stop_search(receipt_ref=reference, grounds_warnings=["short", "cannabis_only"], grounds_changed=True)
    people["pc1"].push(entry)
    html = page(as_user("sarge"), entry)
    scene = html[html.index('data-testid="at-the-scene"'):html.index('id="photos"')]
    assert f'<dd data-field="receipt_ref">{reference}</dd>' in scene
    labels = {item["value"]: item["label"] for item in reference_lists().lists["grounds_warnings"]}
    assert labels["short"] in scene and labels["cannabis_only"] in scene and labels["generic"] not in scene
    assert '<dd data-field="grounds_changed">Yes</dd>' in scene
    assert "Section 60 authorisation" not in scene


def test_warnings_kept_as_typed_say_so(people, as_user):
    entry = stop_search()
    people["pc1"].push(entry)
    set_encounter(entry, receipt_ref=new_reference(), grounds_warnings=["generic"], grounds_changed=False)
    html = page(as_user("sarge"), entry)
    assert '<dd data-field="grounds_changed">No: saved as first written</dd>' in html


def test_the_section_60_authorisation_is_shown_with_its_terms(people, as_user):
    entry = stop_search()
    people["pc1"].push(entry)
    sarge = db.session.scalar(select(User).where(User.username == "sarge"))
    now = utcnow()
    db.session.add(Section60Authorisation(
        team_id=sarge.team_id, reference="S60-2026-014", authorising_rank="Superintendent",
        area_description="Blackbird Leys estate", starts_at=now - timedelta(hours=6),
        ends_at=now + timedelta(hours=18), created_by=sarge.id))
    db.session.commit()
    set_encounter(entry, section60_authorisation="S60-2026-014")
    html = page(as_user("sarge"), entry)
    shown = re.search(r'<dd data-field="section60_authorisation">(.*?)</dd>', html, re.S).group(1)
    assert shown.startswith("S60-2026-014: authorised by Superintendent for Blackbird Leys estate")
    # Recorded in the app after the search happened (the search was pushed first): the page says so,
    # since a backdated authorisation could make an out-of-time search look lawful.
    assert "after this search" in shown
    db.session.execute(update(Section60Authorisation).values(created_at=now - timedelta(days=3650)))
    db.session.commit()
    assert "after this search" not in page(as_user("sarge"), entry)
    # Another team's authorisation of the same reference is not this search's.
    cowley = db.session.scalar(select(Team).where(Team.name == "Cowley"))
    db.session.execute(update(Section60Authorisation).values(team_id=cowley.id))
    db.session.commit()
    html = page(as_user("sarge"), entry)
    assert "S60-2026-014 (no authorisation of this team has that reference)" in html
