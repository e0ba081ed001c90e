"""A postbox visit in fewer taps (issue 11, 'Time to record'), in real headless Chromium at 390 px.

The nearest postbox is chosen as the visit opens (the officer can choose another), and
the visit's item count is taken from the cards saved in the round, so the officer need
not count the cards before transcribing them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.officer import local_entries, save, sign_in_app, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDTH, HEIGHT = 390, 844
NEAR_PRIMARY_SCHOOL = {"latitude": 51.7265, "longitude": -1.2315, "accuracy": 12}  # PB-03, about 40 m away


def new_phone(browser, geolocation=None):
    options = {"viewport": {"width": WIDTH, "height": HEIGHT}}
    if geolocation:
        options.update(permissions=["geolocation"], geolocation=geolocation)
    return browser.new_context(**options)


@pytest.fixture
def phone(browser):
    """A 390 px phone that stands by Rose Hill Primary School's postbox (PB-03)."""
    context = new_phone(browser, NEAR_PRIMARY_SCHOOL)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_without_fix(browser):
    """A 390 px phone whose location the officer has not allowed."""
    context = new_phone(browser)
    yield context.new_page()
    context.close()


def open_round(page: Page) -> None:
    page.get_by_role("link", name="Postbox round").click()
    expect(page.get_by_test_id("visit-form")).to_be_visible()


def chosen_postbox(page: Page) -> str | None:
    return page.get_by_test_id("visit-form").evaluate(
        "form => { const c = form.querySelector('[name=\"postbox_id\"]:checked'); return c ? c.labels[0].textContent : null; }")


def save_cards(page: Page, summaries: list[str]) -> None:
    card = page.get_by_test_id("item-form")
    for summary in summaries:
        card.locator('[data-field="topics"]').get_by_text("Drugs", exact=True).click()
        card.locator('[name="summary"]').fill(summary)
        save(page, "item-form")


def test_the_nearest_postbox_is_chosen_as_the_visit_opens_and_can_be_changed(phone, app_server):
    page = phone
    sign_in_app(page, app_server)
    open_round(page)
    visit = page.get_by_test_id("visit-form")
    expect(page.get_by_test_id("nearest-postbox")).to_have_text(
        re.compile(r"^Nearest: PB-03 Rose Hill Primary School, (3\d|4\d) m\b"))
    assert chosen_postbox(page).startswith("PB-03 Rose Hill Primary School")
    # The officer is at another postbox: one tap changes it, and the visit is saved with it.
    visit.locator('[data-field="postbox_id"]').get_by_text(re.compile("Rose Hill Community Centre")).click()
    page.wait_for_timeout(300)  # a late answer from the phone's location must not undo the officer's choice
    assert chosen_postbox(page).startswith("PB-04 Rose Hill Community Centre")
    save(page, "visit-form")
    save_cards(page, ["Dealing by the bus shelter after 10pm."])
    page.get_by_role("link", name="Finish round").click()
    expect(page.locator("#screen-home")).to_be_visible()
    visits = [e for e in local_entries(page) if e["type"] == "postbox_visit"]
    assert [v["data"]["postbox_id"] for v in visits] == [4]
    # The next visit is chosen again for where the officer stands.
    open_round(page)
    expect(page.get_by_test_id("nearest-postbox")).to_contain_text("Nearest: PB-03")
    assert chosen_postbox(page).startswith("PB-03")


def test_without_a_location_fix_no_postbox_is_chosen(phone_without_fix, app_server):
    page = phone_without_fix
    sign_in_app(page, app_server)
    open_round(page)
    expect(page.get_by_test_id("nearest-postbox")).to_have_text(re.compile("No location fix"))
    assert chosen_postbox(page) is None


def test_without_postboxes_with_coordinates_none_is_chosen(phone, app_server, server_app):
    from sqlalchemy import update

    from fieldapp.extensions import db
    from fieldapp.models.postboxes import Placement

    with server_app.app_context():
        db.session.execute(update(Placement).values(latitude=None, longitude=None))
        db.session.commit()
        db.session.remove()
    page = phone
    sign_in_app(page, app_server)
    open_round(page)
    expect(page.get_by_test_id("nearest-postbox")).to_have_text(re.compile("No postbox has a location"))
    assert chosen_postbox(page) is None


def stored_visits(server_app) -> dict[str, tuple[int, int]]:
    """The server's visits: id -> (item count, entry version)."""
    from sqlalchemy import select

    from fieldapp.extensions import db
    from fieldapp.models import Entry
    from fieldapp.models.entries import PostboxVisit

    with server_app.app_context():
        rows = db.session.execute(select(PostboxVisit.entry_id, PostboxVisit.item_count, Entry.version)
                                  .join(Entry, Entry.id == PostboxVisit.entry_id)).all()
        db.session.remove()
    return {str(entry_id): (count, version) for entry_id, count, version in rows}


def all_sent(page: Page) -> None:
    wait_until(page, """async () => {
        const m = await import('/app/static/js/outbox.js');
        return (await m.entriesOf('officer1')).every((e) => e.state === 'sent');
    }""", timeout=20)


def test_the_item_count_is_taken_from_the_cards_at_finish(phone, app_server, server_app):
    page = phone
    sign_in_app(page, app_server)
    open_round(page)
    visit = page.get_by_test_id("visit-form")
    expect(visit.locator('[name="item_count"]')).to_have_value("0")  # no counting before the cards
    expect(page.get_by_test_id("nearest-postbox")).to_contain_text("Nearest: PB-03")
    save(page, "visit-form")
    all_sent(page)  # the visit is on the server with 0 items...
    save_cards(page, ["Dealing by the bus shelter after 10pm.", "Cars parked on the pavement by the school.",
                      "Thank you for the youth club visit."])
    page.get_by_role("link", name="Finish round").click()
    expect(page.locator("#screen-home")).to_be_visible()
    first = next(e for e in local_entries(page) if e["type"] == "postbox_visit")
    assert first["data"]["item_count"] == 3
    all_sent(page)  # ...and finishing sends it again as a new version with the cards' count
    assert stored_visits(server_app) == {first["id"]: (3, 2)}

    # Offline, the visit not yet sent: the count goes with its first version; an officer's higher count is kept.
    page.context.set_offline(True)
    open_round(page)
    visit.locator('[data-field="postbox_id"]').get_by_text(re.compile("Iffley Road Pharmacy")).click()
    save(page, "visit-form")
    save_cards(page, ["Noise from the flats at night.", "Bins left out all week."])
    page.get_by_role("link", name="Finish round").click()
    expect(page.locator("#screen-home")).to_be_visible()
    open_round(page)
    visit.locator('[data-field="postbox_id"]').get_by_text(re.compile("Rose Hill Stores")).click()
    visit.locator('[name="item_count"]').fill("5")
    save(page, "visit-form")
    save_cards(page, ["A lost cat poster."])
    page.get_by_role("link", name="Finish round").click()
    expect(page.locator("#screen-home")).to_be_visible()
    counts = {e["data"]["postbox_id"]: e["data"]["item_count"] for e in local_entries(page) if e["type"] == "postbox_visit"}
    assert counts == {3: 3, 2: 2, 1: 5}
    page.context.set_offline(False)
    page.get_by_test_id("sync-now").click()
    all_sent(page)
    stored = stored_visits(server_app)
    assert sorted(stored.values()) == [(2, 1), (3, 2), (5, 1)]  # each visit once; no conflict copy
