"""The stop and search form's grounds prompts and warnings, section 60 authorisations, and the
grounds assessment shown back to the officer (issue #15), in real Chromium against the real server.

Warnings never block a save; the entry records every warning shown (grounds_warnings) and whether
the grounds changed after the first one (grounds_changed). The texts and word lists are the
reference lists' (fieldapp/data/reference.json).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Section60Authorisation, User
from fieldapp.models.types import utcnow
from fieldapp.reference import reference_lists
from fieldapp.review.operations import add_review
from tests.browser.officer import (
    fill_stop_search, local_entries, open_form, outbox_count, save, server_encounter, sign_in_app,
)
from tests.factories import GROUNDS
from tests.fixtures.rows import stored

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SECTION_60 = "Criminal Justice and Public Order Act 1994 (section 60)"
GOOD = ("Seen by me to take a small wrapped package from a man on a bike outside the Co-op and push it into "
        "his left sock when he saw the police car; matches the description from this morning's report.")


def sentence(value: str) -> str:
    return reference_lists().label("grounds_warnings", value)


def test_warnings_shown_while_typing_and_recorded_with_the_entry(page, app_server, server_app):
    page.set_viewport_size({"width": 360, "height": 740})  # a small phone
    sign_in_app(page, app_server)
    fill_stop_search(page, grounds="")
    form = page.get_by_test_id("encounter-form")
    grounds = form.locator('[name="grounds"]')
    holder = form.locator('[data-field="grounds"]')
    expect(holder).to_contain_text("What did you see this person do or carry?")
    expect(holder).to_contain_text("What did you hear: from them, a witness, a call?")
    holder.locator("summary", has_text="GOWISELY").click()
    expect(holder).to_contain_text("Entitlement to a copy of the record (the receipt)")
    warning = page.get_by_test_id("grounds-warning")
    assert warning.get_attribute("aria-live") == "polite"
    assert warning.get_attribute("id") in grounds.get_attribute("aria-describedby")

    grounds.fill("Seen with a bag.")
    expect(warning).to_have_text(sentence("short"))  # after a pause in the typing
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    grounds.fill("Strong smell of cannabis coming from the male as I walked past him on the High Street")
    expect(warning).to_have_text(sentence("cannabis_only"))  # the warning shown follows the text at once
    grounds.fill(GOOD)
    expect(warning).to_be_empty()  # a warning shown follows the text at once
    save(page)  # never blocked

    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    [entry] = local_entries(page)
    assert sorted(entry["data"]["grounds_warnings"]) == ["cannabis_only", "short"]
    assert entry["data"]["grounds_changed"] is True
    row = server_encounter(server_app, entry["id"])
    assert sorted(row.grounds_warnings) == ["cannabis_only", "short"]
    assert row.grounds_changed is True


def test_a_warning_left_as_it_is_records_no_change(page, app_server, server_app):
    sign_in_app(page, app_server)
    generic = "Group of youths acting suspiciously in a known area, late at night, nervous and evasive when approached"
    fill_stop_search(page)
    form = page.get_by_test_id("encounter-form")
    form.locator('[name="grounds"]').fill(generic)  # the box keeps the focus: the warning comes after a pause
    expect(page.get_by_test_id("grounds-warning")).to_have_text(sentence("generic"))
    form.locator('[name="grounds"]').press("Tab")
    expect(page.get_by_test_id("grounds-warning")).to_have_text(sentence("generic"))  # leaving it moves nothing
    save(page)
    expect(page.get_by_test_id("grounds-warning")).to_be_empty()  # the next entry starts clean
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    [entry] = local_entries(page)
    row = server_encounter(server_app, entry["id"])
    assert row.grounds_warnings == ["generic"]
    assert row.grounds_changed is False


def test_good_grounds_get_no_warning(page, app_server):
    sign_in_app(page, app_server, worker=False)
    found = page.evaluate("""async (texts) => {
        await import('/app/static/js/search-form.js');  // the lists are the page's
        const m = await import('/app/static/js/search-form.js');
        return texts.map((t) => m.warningsFor(t));
    }""", [GOOD, "Smelt cannabis", "Smell of cannabis from him. " + GOOD, "hotspot",
           "Strong smell of cannabis from the male and he ran off on seeing us, dropping a knife he had in his hand",
           GROUNDS, "Strong smell of cannabis coming from the male as I walked past him on the High Street"])
    assert found == [[], ["short", "cannabis_only"], [], ["short", "generic"], [], [], ["cannabis_only"]]


def add_authorisation(server_app, reference: str, starts_delta: timedelta, ends_delta: timedelta) -> None:
    with server_app.app_context():
        officer = db.session.scalar(select(User).where(User.username == "officer1"))
        inspector = db.session.scalar(select(User).where(User.username == "sergeant"))
        now = utcnow()
        db.session.add(Section60Authorisation(
            team_id=officer.team_id, reference=reference, authorising_rank="Superintendent",
            area_description="Rose Hill estate", starts_at=now + starts_delta, ends_at=now + ends_delta,
            created_by=inspector.id))
        db.session.commit()
        db.session.remove()


def choose_section_60(page) -> None:
    form = page.get_by_test_id("encounter-form")
    form.locator('[name="legislation"]').select_option(SECTION_60)
    form.locator('[name="object_of_search"]').select_option("Offensive weapons")


def test_section_60_offers_only_the_authorisations_in_force(page, app_server, server_app):
    add_authorisation(server_app, "S60/2026/014", timedelta(hours=-1), timedelta(hours=5))
    add_authorisation(server_app, "S60/2026/009", timedelta(days=-3), timedelta(days=-2))  # ended
    add_authorisation(server_app, "S60/2026/020", timedelta(days=2), timedelta(days=3))  # not yet
    sign_in_app(page, app_server)
    fill_stop_search(page, grounds=GOOD)
    choose_section_60(page)
    select = page.get_by_test_id("encounter-form").locator('select[name="section60_authorisation"]')
    expect(select).to_be_visible()
    offered = select.locator("option:not([disabled])").all_inner_texts()
    assert [o for o in offered if o != "Choose…"] == [o for o in offered if o.startswith("S60/2026/014")]
    assert len(offered) == 2 and "Superintendent, Rose Hill estate, until" in offered[1]
    expect(page.get_by_test_id("s60-none")).to_be_empty()
    select.select_option("S60/2026/014")
    save(page)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    [entry] = local_entries(page)
    assert server_encounter(server_app, entry["id"]).section60_authorisation == "S60/2026/014"


def test_section_60_with_no_authorisation_in_force_cannot_be_saved(page, app_server):
    sign_in_app(page, app_server)
    fill_stop_search(page, grounds="")
    choose_section_60(page)
    expect(page.get_by_test_id("s60-none")).to_contain_text("No section 60 authorisation is in force on this phone")
    form = page.get_by_test_id("encounter-form")
    form.get_by_role("button", name="Save").click()
    expect(form.locator('[data-field="section60_authorisation"] .error')).to_have_text(
        "Name the section 60 authorisation this search was made under.")
    assert local_entries(page) == []


def test_the_officer_sees_the_grounds_assessment_of_their_search(page, app_server, server_app):
    sign_in_app(page, app_server)
    fill_stop_search(page)
    save(page)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    [entry] = local_entries(page)
    with server_app.app_context():
        sergeant = db.session.scalar(select(User).where(User.username == "sergeant"))
        add_review(stored(entry), sergeant, "approved", grounds_assessment="weak")
        db.session.remove()
    page.get_by_test_id("sync-now").click()
    open_form(page, "Outbox")
    expect(page.locator(f'li[data-id="{entry["id"]}"]')).to_contain_text("Approved by", timeout=15000)
    expect(page.locator(f'li[data-id="{entry["id"]}"]')).to_contain_text("Grounds: Weak.")
