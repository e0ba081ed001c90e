"""A shift's worth of syncing, seen by the officer (issue 11): what the phone says when it has no
connection, entries that can be told apart in the outbox, returned entries and the supervisor's
comment, a fetched version that must not drop what the server withholds from officers, and a
shared phone whose first officer's entries are never hidden.

Real headless Chromium against the real server, at a phone's width (390 px).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import ConflictCopy, PostboxItem, User
from fieldapp.review.conflicts import resolve_conflict
from fieldapp.review.operations import add_review
from tests.browser.officer import (
    fill_stop_search, local_entries, outbox_count, requests_seen, save, set_pin, sign_in_app, stored_ids,
    wait_until,
)
from tests.factories import edit
from tests.fixtures.rows import stored

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ENVELOPE = ("id", "type", "version", "base_version", "captured_at", "data")
#: The words a screen reader says when the outbox count changes: the live region holding the count, whole.
ANNOUNCED = """() => {
    const count = document.querySelector('[data-testid="outbox-count"]');
    const live = count.closest('[aria-live]');
    if (!live) return null;
    const whole = live === count || live.getAttribute('aria-atomic') === 'true';
    return whole ? live.textContent.replace(/\\s+/g, ' ').trim() : null;
}"""


@pytest.fixture
def phone(browser):
    """A 390 px wide phone (a fresh context)."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_without_worker(browser):
    """A 390 px phone whose requests page.route() always sees (service workers blocked)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    yield context.new_page()
    context.close()


def go(page, screen: str) -> None:
    page.goto(page.url.split("#")[0] + f"#{screen}")


def save_entry(page, entry_type: str, data: dict) -> str:
    """Store an entry on the phone through the app's own module (as a save does); its id."""
    return page.evaluate("""async ([type, data]) => {
        const m = await import('/app/static/js/outbox.js');
        const entry = m.newEntry(type, {...data}, 'officer1');
        await m.saveEntry(entry);
        const screen = await import('/app/static/js/outbox-screen.js');
        await screen.updateCount();
        return entry.id;
    }""", [entry_type, data])


def postbox_id(page, name: str) -> int:
    return page.evaluate("""async (name) => {
        const m = await import('/app/static/js/reference.js');
        return m.currentReference().postboxes.find((b) => b.name.endsWith(name)).id;
    }""", name)


def test_offline_the_phone_says_so_and_what_waits(phone, app_server):
    page = phone
    sign_in_app(page, app_server)
    state = page.get_by_test_id("connection-state")
    expect(state).to_be_hidden()
    assert page.evaluate(ANNOUNCED) == "0 not sent"
    page.context.set_offline(True)
    expect(state).to_be_visible()
    expect(state).to_contain_text("No connection")
    expect(page.locator("#sync-status")).not_to_contain_text("Everything is on the server")
    fill_stop_search(page)
    save(page)
    go(page, "home")
    expect(state).to_contain_text("1 not sent")
    expect(page.locator("#screen-home")).not_to_contain_text("Everything is on the server")
    expect(page.locator("#sync-status")).not_to_contain_text("Everything is on the server")
    assert page.evaluate(ANNOUNCED) == "1 not sent"  # words, not a bare '1'
    page.context.set_offline(False)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    expect(state).to_be_hidden()
    expect(page.locator("#sync-status")).to_have_text(re.compile("All sent|Everything is on the server"))


def test_a_sync_that_failed_on_the_network_counts_as_no_connection(phone_without_worker, app_server):
    """navigator.onLine can say yes while nothing gets through (a dead mobile network)."""
    page = phone_without_worker
    sign_in_app(page, app_server, worker=False)
    page.route("**/api/**", lambda route: route.abort("internetdisconnected"))
    fill_stop_search(page)
    save(page)
    state = page.get_by_test_id("connection-state")
    expect(state).to_be_visible()
    expect(state).to_contain_text("No connection")
    expect(state).to_contain_text("1 not sent")
    assert page.evaluate("navigator.onLine") is True
    page.unroute("**/api/**")
    page.get_by_test_id("sync-now").click()
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    expect(state).to_be_hidden()


def test_the_outbox_tells_entries_apart(phone, app_server):
    page = phone
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    fill_stop_search(page, location="Outside the Co-op, Rose Hill")
    save(page)
    fill_stop_search(page, location="Rose Hill, lamp post 4",
                     grounds="Running from a burgled house with a crowbar in his hand.")
    save(page)
    [second, first] = local_entries(page)
    gps = save_entry(page, "encounter", {**first["data"], "location_text": None, "latitude": 51.7290,
                                         "longitude": -1.2343, "location_accuracy_m": 12.4})
    box = postbox_id(page, "Rose Hill Stores")
    visit = save_entry(page, "postbox_visit", {"postbox_id": box, "visited_at": first["data"]["occurred_at"],
                                               "box_condition": "ok", "item_count": 1})
    card = save_entry(page, "postbox_item", {"visit_id": visit, "topics": ["drugs"],
                                             "summary": "Dealing by the bus shelter after 10pm most nights.",
                                             "anonymity": "anonymous"})
    go(page, "outbox")
    line = lambda entry_id: page.locator(f'li[data-id="{entry_id}"]')  # noqa: E731
    expect(line(first["id"])).to_contain_text("Outside the Co-op, Rose Hill")
    expect(line(first["id"])).to_contain_text("Strong smell of cannabis")
    expect(line(second["id"])).to_contain_text("Rose Hill, lamp post 4")
    expect(line(second["id"])).to_contain_text("Running from a burgled house")
    expect(line(gps)).to_contain_text("GPS ±12 m")
    expect(line(visit)).to_contain_text("Rose Hill Stores")
    expect(line(card)).to_contain_text("Rose Hill Stores")
    expect(line(card)).to_contain_text("Dealing by the bus shelter")
    titles = [line(i).locator("strong").inner_text() for i in (first["id"], second["id"], gps)]
    assert len(set(titles)) == 3, titles


def test_a_returned_entry_is_announced_and_its_comment_shown_on_the_form(phone, app_server, server_app):
    page = phone
    sign_in_app(page, app_server)
    fill_stop_search(page)
    save(page)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    [entry] = local_entries(page)
    comment = "Say what you saw before the search, and from where."
    with server_app.app_context():
        sergeant = db.session.scalar(select(User).where(User.username == "sergeant"))
        add_review(stored(entry), sergeant, "returned", comment)
        db.session.remove()
    page.get_by_test_id("sync-now").click()
    go(page, "home")
    returned = page.get_by_test_id("home-returned")
    expect(returned).to_contain_text("1 returned to you — fix and resend", timeout=15000)
    returned.get_by_role("link").click()
    expect(page.locator("#screen-outbox")).to_be_visible()
    page.locator(f'li[data-id="{entry["id"]}"]').get_by_role("button", name="Edit and resend").click()
    form = page.get_by_test_id("encounter-form")
    note = form.locator(".review-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text(comment)
    expect(note).to_contain_text("PS Jo Hughes")
    first_field = form.locator("[data-field]:visible").first
    assert note.bounding_box()["y"] < first_field.bounding_box()["y"], "the comment is above the fields"
    form.locator('[name="grounds"]').fill("Seen from across the road at 22:10: he passed a small bag to another man.")
    save(page)
    expect(note).to_have_count(0)  # the next entry is a new one: no comment on it
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    go(page, "home")
    expect(returned).to_be_hidden()


def test_a_fetched_version_keeps_what_the_server_withholds_from_officers(phone, app_server, server_app):
    """A supervisor's resolution comes back without the resident's contact details (officers are not shown
    them): the phone keeps its own, and its next edit sends them again."""
    page = phone
    sign_in_app(page, app_server)
    box = postbox_id(page, "Rose Hill Stores")
    visit = save_entry(page, "postbox_visit", {"postbox_id": box, "visited_at": "2026-11-29T08:00:00+00:00",
                                               "box_condition": "ok", "item_count": 1})
    card = save_entry(page, "postbox_item", {"visit_id": visit, "topics": ["drugs"],
                                             "summary": "Dealing by the bus shelter after 10pm.",
                                             "anonymity": "contact_requested",
                                             "contact_details": "Mrs P, 07700 900123"})
    page.get_by_test_id("sync-now").click()
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    entry = next(e for e in local_entries(page) if e["id"] == card)
    assert entry["state"] == "sent" and entry["data"]["contact_details"] == "Mrs P, 07700 900123"

    # The officer's other phone sends two edits of version 1: the second is kept as a conflict copy,
    # which the sergeant makes version 3.
    other = server_app.test_client()
    token = other.post("/api/auth/token", json={"username": "officer1", "password": app_server.demo_password(),
                                                 "device_name": "second phone"}).get_json()["token"]
    for summary in ("Dealing by the bus shelter after 10pm, most nights.",
                    "Dealing by the bus shelter after 10pm; a grey car waits."):
        other.post("/api/sync/push", json={"entries": [edit({k: entry[k] for k in ENVELOPE}, summary=summary)]},
                   headers={"Authorization": f"Bearer {token}"})
    with server_app.app_context():
        sergeant = db.session.scalar(select(User).where(User.username == "sergeant"))
        copy = db.session.scalars(select(ConflictCopy)).one()
        assert resolve_conflict(copy, sergeant.id) == 3
        db.session.remove()

    page.get_by_test_id("sync-now").click()
    wait_until(page, """async (id) => {
        const m = await import('/app/static/js/outbox.js');
        return (await m.getEntry(%r)).version === 3;
    }""" % card)
    entry = next(e for e in local_entries(page) if e["id"] == card)
    assert entry["data"]["summary"] == "Dealing by the bus shelter after 10pm; a grey car waits."
    assert entry["data"]["contact_details"] == "Mrs P, 07700 900123"
    assert requests_seen(app_server, "/api/entries/") == 1

    # The next edit from this phone (as 'Edit and resend' saves it) still carries them.
    page.evaluate("""async (id) => {
        const m = await import('/app/static/js/outbox.js');
        const entry = await m.getEntry(id);
        await m.saveEntry(m.editEntry(entry, {...entry.data, urgency: 'priority'}));
        await window.fieldapp.trySync({ manual: true });
    }""", card)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    with server_app.app_context():
        row = stored({"id": card})
        assert row.version == 4
        assert db.session.get(PostboxItem, row.id).contact_details == "Mrs P, 07700 900123"
        db.session.remove()


def test_a_second_officer_cannot_hide_the_first_ones_unsent_entries(phone, app_server, server_app):
    """A shared phone: officer1 saves offline, their sign-in expires, officer2 tries to sign in."""
    page = phone
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    fill_stop_search(page)
    save(page)
    device_id = page.evaluate("import('/app/static/js/db.js').then(m => m.getMeta('session')).then(s => s.device_id)")
    with server_app.app_context():
        from fieldapp.models import Device
        from fieldapp.models.types import utcnow

        db.session.get(Device, device_id).revoked_at = utcnow()
        db.session.commit()
        db.session.remove()
    page.context.set_offline(False)
    page.get_by_test_id("sync-now").click()
    expect(page.locator("#banner-signin")).to_be_visible(timeout=15000)
    page.locator("#banner-signin").get_by_role("button", name="Sign in").click()
    form = page.get_by_test_id("signin-form")
    form.get_by_label("Username").fill("officer2")
    form.get_by_label("Password").fill(app_server.demo_password())
    form.get_by_role("button", name="Sign in").click()
    expect(page.locator("#signin-error")).to_have_text(
        "PC Amira Shah has 1 entry not sent: PC Amira Shah must sign in to send it first.")
    expect(page.locator("#screen-signin")).to_be_visible()
    assert page.evaluate("import('/app/static/js/db.js').then(m => m.getMeta('session'))")["user"]["username"] == "officer1"
    [entry] = local_entries(page)
    assert entry["state"] == "pending"

    form.get_by_label("Username").fill("officer1")
    form.get_by_label("Password").fill(app_server.demo_password())
    form.get_by_role("button", name="Sign in").click()
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    assert stored_ids(server_app, [entry["id"]]) == [entry["id"]]
    # Everything sent: the first officer signs out and the second may sign in.
    page.get_by_role("button", name="Sign out").click()
    form.get_by_label("Username").fill("officer2")
    form.get_by_label("Password").fill(app_server.demo_password())
    form.get_by_role("button", name="Sign in").click()
    set_pin(page)
    expect(page.locator("#home-title")).to_have_text("PCSO Tom Baker")
