"""The officer app in real headless Chromium against the real server.

Scenarios from OFFLINE.md ('no entry is ever lost'), numbered as there, and
the end-to-end journeys of issue 4. Offline is Playwright's network
emulation, which also cuts the service worker's own fetches; a canary checks
that the server really saw nothing while the phone was offline.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import ConflictCopy, Encounter, PostboxItem, PostboxVisit, User
from fieldapp.review.operations import add_review
from tests.browser.officer import (
    fill_stop_search, load_draft, local_entries, open_form, outbox_count, reload_app, requests_seen, save,
    sign_in_app, stored_ids, unlock, wait_for_draft, wait_until,
)
from tests.factories import GROUNDS, edit
from tests.fixtures.rows import stored

pytestmark = [pytest.mark.browser, pytest.mark.slow]
#: The keys of an entry as the API takes it (the phone's copy holds its own state besides).
ENVELOPE = ("id", "type", "version", "base_version", "captured_at", "data")


def pause_clock(page) -> None:
    """Stop the page's installed clock at this moment, give or take: 200 ms ahead of this process's
    'now', since pausing at 'now' itself raced the page, whose clock could already be past it when
    the call arrived ('Cannot fast-forward to the past', once on PostgreSQL CI)."""
    page.clock.pause_at(datetime.now() + timedelta(milliseconds=200))


def test_1_saved_offline_reloaded_offline_then_synced_once(page, app_server, server_app):
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    before = requests_seen(app_server)
    fill_stop_search(page)
    save(page)
    expect(outbox_count(page)).to_have_text("1")
    reload_app(page)
    expect(outbox_count(page)).to_have_text("1")
    [entry] = local_entries(page)
    assert entry["state"] == "pending"
    assert requests_seen(app_server) == before, "the server saw a request while the phone was offline"
    page.context.set_offline(False)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    assert stored_ids(server_app, [entry["id"]]) == [entry["id"]]
    page.goto(page.url.split("#")[0] + "#outbox")
    expect(page.locator(f'li[data-id="{entry["id"]}"]')).to_contain_text("On the server (received")


def test_2_response_lost_after_commit_then_retry(page_without_worker, app_server, server_app):
    page = page_without_worker
    sign_in_app(page, app_server, worker=False)
    lost = []

    def lose_response(route):
        route.fetch()  # the server commits...
        lost.append(True)
        route.abort("connectionreset")  # ...but the phone never hears back

    page.route("**/api/sync/push", lose_response, times=1)
    fill_stop_search(page)
    save(page)
    expect(page.locator("#sync-status")).to_contain_text("waiting to send")
    assert lost and outbox_count(page).inner_text() == "1"
    page.get_by_test_id("sync-now").click()
    expect(outbox_count(page)).to_have_text("0")
    [entry] = local_entries(page)
    assert entry["state"] == "sent"
    assert stored_ids(server_app, [entry["id"]]) == [entry["id"]]


@pytest.mark.parametrize(("status", "content_type", "body"), [
    (500, "application/json", '{"error": "server_error", "message": "boom"}'),
    (503, "text/plain", "Service unavailable"),
    (200, "text/html", "<html><body>Welcome to Station WiFi. Please sign in.</body></html>"),
])
def test_3_errors_and_captive_portals_keep_the_entry_pending(page_without_worker, app_server, server_app, status, content_type, body):
    page = page_without_worker
    sign_in_app(page, app_server, worker=False)
    page.route("**/api/sync/push", lambda route: route.fulfill(status=status, content_type=content_type, body=body))
    fill_stop_search(page)
    save(page)
    expect(page.locator("#sync-status")).to_contain_text("waiting to send")
    [entry] = local_entries(page)
    assert entry["state"] == "pending" and stored_ids(server_app, [entry["id"]]) == []
    page.unroute("**/api/sync/push")
    page.get_by_test_id("sync-now").click()
    expect(outbox_count(page)).to_have_text("0")
    assert stored_ids(server_app, [entry["id"]]) == [entry["id"]]


def test_4_sign_in_expired_while_offline(page, app_server, server_app):
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    fill_stop_search(page)
    save(page)
    # Meanwhile the phone's sign-in stops being valid (here: its device is signed out).
    device_id = page.evaluate("import('/app/static/js/db.js').then(m => m.getMeta('session')).then(s => s.device_id)")
    with server_app.app_context():
        from fieldapp.models import Device
        from fieldapp.models.types import utcnow

        db.session.get(Device, device_id).revoked_at = utcnow()
        db.session.commit()
        db.session.remove()
    page.context.set_offline(False)
    expect(page.locator("#banner-signin")).to_be_visible(timeout=15000)
    expect(outbox_count(page)).to_have_text("1")
    page.get_by_role("button", name="Sign in", exact=True).first.click()
    form = page.get_by_test_id("signin-form")
    expect(form.get_by_label("Username")).to_have_value("officer1")
    form.get_by_label("Password").fill(app_server.demo_password())
    form.get_by_role("button", name="Sign in").click()
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    [entry] = local_entries(page)
    assert stored_ids(server_app, [entry["id"]]) == [entry["id"]]


def test_5_browser_closed_right_after_saved(playwright_instance, app_server, server_app, tmp_path):
    from tests.fixtures.chromium import CHROMIUM_ARGS, chromium_path

    def launch():
        return playwright_instance.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=chromium_path(), args=CHROMIUM_ARGS,
            viewport={"width": 360, "height": 740})

    context = launch()
    page = context.pages[0] if context.pages else context.new_page()
    sign_in_app(page, app_server)
    context.set_offline(True)
    fill_stop_search(page)
    save(page)
    context.close()  # the battery dies the moment 'saved' appears
    context = launch()
    try:
        context.set_offline(True)
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(f"{app_server.url}/app")
        expect(outbox_count(page)).to_have_text("1")  # counted while locked
        unlock(page)
        [entry] = local_entries(page)
        assert entry["data"]["grounds"] == GROUNDS
        context.set_offline(False)
        expect(outbox_count(page)).to_have_text("0", timeout=15000)
        assert stored_ids(server_app, [entry["id"]]) == [entry["id"]]
    finally:
        context.close()


def test_6_two_tabs_and_the_worker_at_once(page, app_server, server_app):
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    for n in range(5):
        fill_stop_search(page, location=f"Rose Hill, lamp post {n}")
        save(page)
    other = page.context.new_page()
    other.goto(f"{app_server.url}/app")
    expect(outbox_count(other)).to_have_text("5")
    unlock(other)  # each tab holds its own copy of the key
    page.context.set_offline(False)
    page.get_by_test_id("sync-now").click()
    other.get_by_test_id("sync-now").click()
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    expect(outbox_count(other)).to_have_text("0", timeout=15000)
    ids = [e["id"] for e in local_entries(page)]
    assert len(ids) == 5 and stored_ids(server_app, ids) == sorted(ids)


def test_8_one_invalid_entry_does_not_block_the_rest(page, app_server, server_app):
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    # An entry the server will refuse (as an older app version might have saved it).
    bad_id = page.evaluate("""async () => {
        const m = await import('/app/static/js/outbox.js');
        const entry = m.newEntry('encounter', {kind: 'stop_search', occurred_at: m.isoNow(), location_text: 'Iffley Road',
          bwv_used: true, search_type: 'Person search', legislation: 'Misuse of Drugs Act 1971 (section 23)',
          object_of_search: 'Controlled drugs', grounds: 'too short', outcome: 'Arrest',
          outcome_linked_to_object_of_search: true, removal_of_more_than_outer_clothing: false,
          self_defined_ethnicity: 'White - Irish'}, 'officer1');
        await m.saveEntry(entry);
        return entry.id;
    }""")
    fill_stop_search(page)
    save(page)
    page.context.set_offline(False)
    page.get_by_test_id("sync-now").click()
    expect(outbox_count(page)).to_have_text("1", timeout=15000)
    entries = {e["id"]: e for e in local_entries(page)}
    good_id = next(i for i in entries if i != bad_id)
    assert entries[good_id]["state"] == "sent" and entries[bad_id]["state"] == "attention"
    assert stored_ids(server_app, [good_id, bad_id]) == [good_id]
    page.goto(page.url.split("#")[0] + "#outbox")
    item = page.locator(f'li[data-id="{bad_id}"]')
    expect(item).to_contain_text("Needs attention")
    expect(item).to_contain_text("at least 20 characters")
    item.get_by_role("button", name="Fix and resend").click()
    form = page.get_by_test_id("encounter-form")
    expect(form.locator('[data-field="grounds"] .error')).to_contain_text("at least 20 characters")
    form.locator('[name="grounds"]').fill(GROUNDS)
    save(page)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    assert stored_ids(server_app, [bad_id]) == [bad_id]


def saved_then_returned(page, server_app, comment: str):
    """Save the filled form, let it sync, have the sergeant return it; the entry and its outbox line,
    once the decision has reached the phone."""
    save(page)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    [entry] = local_entries(page)
    with server_app.app_context():
        sergeant = db.session.scalar(select(User).where(User.username == "sergeant"))
        add_review(stored(entry), sergeant, "returned", comment)
        db.session.remove()
    page.get_by_test_id("sync-now").click()
    page.goto(page.url.split("#")[0] + "#outbox")
    item = page.locator(f'li[data-id="{entry["id"]}"]')
    expect(item).to_contain_text(comment)
    return entry, item


def other_phone_push(server_app, server, entry: dict, **changes) -> str:
    """Send the next version of a local entry from the officer's other phone (the API, another device); its status."""
    other_phone = server_app.test_client()
    token = other_phone.post("/api/auth/token", json={
        "username": "officer1", "password": server.demo_password(), "device_name": "second phone"}).get_json()["token"]
    edited = edit({key: entry[key] for key in ENVELOPE}, **changes)
    pushed = other_phone.post("/api/sync/push", json={"entries": [edited]}, headers={"Authorization": f"Bearer {token}"})
    return pushed.get_json()["results"][0]["status"]


def test_9_two_devices_edit_the_same_entry(page, app_server, server_app):
    """Neither version is lost: the other phone's becomes version 2; this phone's edit, made offline on
    version 1, is kept on the server as a conflict copy for the supervisor, and the phone says so."""
    sign_in_app(page, app_server)
    fill_stop_search(page, location="Rose Hill, by the library")
    entry, item = saved_then_returned(page, server_app, "Say which side of the road.")

    assert other_phone_push(server_app, app_server, entry, location_text="Rose Hill, library, north side") == "updated"
    page.context.set_offline(True)  # this phone does not hear of it before its own edit
    item.get_by_role("button", name="Edit and resend").click()
    page.get_by_test_id("encounter-form").locator('[name="location_text"]').fill("Rose Hill, library, south side")
    save(page)
    page.context.set_offline(False)
    page.get_by_test_id("sync-now").click()
    page.goto(page.url.split("#")[0] + "#outbox")
    expect(item).to_contain_text("Kept for your supervisor (changed elsewhere)", timeout=15000)
    expect(outbox_count(page)).to_have_text("0")
    with server_app.app_context():
        row = stored(entry)
        assert row.version == 2
        assert db.session.get(Encounter, row.id).location_text == "Rose Hill, library, north side"
        [copy] = db.session.scalars(select(ConflictCopy).where(ConflictCopy.entry_id == row.id)).all()
        assert (copy.version, copy.base_version) == (2, 1)
        assert copy.data["location_text"] == "Rose Hill, library, south side"
        db.session.remove()


def test_10_clock_a_week_ahead_expires_nothing(page, app_server, server_app):
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    fill_stop_search(page)
    save(page)
    page.clock.set_system_time(datetime.now(UTC) + timedelta(days=9))
    reload_app(page)
    assert page.evaluate("Date.now()") > (datetime.now(UTC) + timedelta(days=8)).timestamp() * 1000
    expect(outbox_count(page)).to_have_text("1")
    page.context.set_offline(False)
    page.get_by_test_id("sync-now").click()
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    [entry] = local_entries(page)
    assert stored_ids(server_app, [entry["id"]]) == [entry["id"]]


def test_11_offline_cold_start(page, app_server):
    sign_in_app(page, app_server)
    page.close()
    context = page.context
    context.set_offline(True)
    cold = context.new_page()
    cold.goto(f"{app_server.url}/app")
    unlock(cold)
    expect(cold.locator("#screen-home")).to_be_visible()
    fill_stop_search(cold)
    save(cold)
    expect(outbox_count(cold)).to_have_text("1")


def test_stop_and_search_end_to_end_every_field(page, app_server, server_app):
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 51.72901, "longitude": -1.23432, "accuracy": 9})
    sign_in_app(page, app_server)
    fill_stop_search(page)
    form = page.get_by_test_id("encounter-form")
    form.get_by_role("button", name="Use my location").click()
    expect(form.locator('[name="latitude"]')).to_have_value("51.729010")
    form.locator('[data-field="search_type"]').get_by_text("Person and vehicle search").click()
    form.locator('[name="vehicle_registration"]').fill("AB12 CDE")
    form.get_by_text("More details (optional)").click()  # the optional fields are folded
    form.locator('[data-field="officer_defined_ethnicity"]').get_by_text("White").click()
    form.locator('[data-field="gender"]').get_by_text("Male", exact=True).click()
    form.locator('[data-field="age_range"]').get_by_text("18 to 24").click()
    form.locator('[name="self_defined_ethnicity"]').select_option("White - Irish")
    form.locator('[data-field="bwv_used"]').get_by_text("No", exact=True).click()
    form.locator('[name="bwv_reason_not_used"]').fill("Camera battery was flat.")
    form.locator('[name="operation_name"]').fill("Op Nightjar")
    form.locator('[name="notes"]').fill("Calm throughout; given the receipt.")
    save(page)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    [entry] = local_entries(page)
    with server_app.app_context():
        row = db.session.get(Encounter, uuid.UUID(entry["id"]))
        columns = {c: getattr(row, c) for c in ("kind", "latitude", "longitude", "location_accuracy_m", "location_text",
                                               "search_type", "vehicle_registration", "legislation", "object_of_search",
                                               "grounds", "outcome", "outcome_linked_to_object_of_search",
                                               "removal_of_more_than_outer_clothing", "self_defined_ethnicity",
                                               "officer_defined_ethnicity", "gender", "age_range", "bwv_used",
                                               "bwv_reason_not_used", "operation_name", "notes")}
        db.session.remove()
    assert columns == {
        "kind": "stop_search", "latitude": 51.72901, "longitude": -1.23432, "location_accuracy_m": 9.0,
        "location_text": "Outside the Co-op, Rose Hill", "search_type": "Person and Vehicle search",
        "vehicle_registration": "AB12 CDE", "legislation": "Misuse of Drugs Act 1971 (section 23)",
        "object_of_search": "Controlled drugs", "grounds": GROUNDS, "outcome": "A no further action disposal",
        "outcome_linked_to_object_of_search": False, "removal_of_more_than_outer_clothing": False,
        "self_defined_ethnicity": "White - Irish", "officer_defined_ethnicity": "White", "gender": "Male",
        "age_range": "18-24", "bwv_used": False, "bwv_reason_not_used": "Camera battery was flat.",
        "operation_name": "Op Nightjar", "notes": "Calm throughout; given the receipt.",
    }


def test_postbox_round_with_three_cards(page, app_server, server_app):
    sign_in_app(page, app_server)
    open_form(page, "Postbox round")
    visit = page.get_by_test_id("visit-form")
    visit.locator('[data-field="postbox_id"]').get_by_text(re.compile("Rose Hill Stores")).click()
    visit.locator('[name="item_count"]').fill("3")
    save(page, "visit-form")
    card = page.get_by_test_id("item-form")
    for topic, summary in [("Drugs", "Dealing by the bus shelter after 10pm."),
                           ("Parking", "Cars on the pavement outside the school."),
                           ("Praise", "Thanks for the visit to the youth club.")]:
        card.locator('[data-field="topics"]').get_by_text(topic, exact=True).click()
        card.locator('[name="summary"]').fill(summary)
        expect(card.locator(".saved")).to_have_text("")  # typing the next card clears the last one's 'Saved'
        save(page, "item-form")
    expect(page.locator("#round-summary")).to_contain_text("3 cards saved")
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    entries = local_entries(page)
    [visit_entry] = [e for e in entries if e["type"] == "postbox_visit"]
    items = [e for e in entries if e["type"] == "postbox_item"]
    assert len(items) == 3
    with server_app.app_context():
        stored_visit = db.session.get(PostboxVisit, uuid.UUID(visit_entry["id"]))
        links = db.session.scalars(select(PostboxItem.visit_id).where(
            PostboxItem.entry_id.in_([uuid.UUID(i["id"]) for i in items]))).all()
        assert stored_visit.item_count == 3
        assert [str(v) for v in links] == [visit_entry["id"]] * 3
        db.session.remove()


def test_an_edit_left_open_is_not_overwritten_by_the_next_new_entry(page, app_server, server_app):
    """'Edit and resend' opened and abandoned, then a new entry from its draft: a new entry is
    made, and the one that was opened for editing keeps its content."""
    sign_in_app(page, app_server)
    fill_stop_search(page, location="Rose Hill, by the library")
    returned, item = saved_then_returned(page, server_app, "Say which side of the road.")
    open_form(page, "Stop and search")
    page.get_by_test_id("encounter-form").locator('[name="location_text"]').fill("Cowley Road, bus stop")
    wait_for_draft(page, "location_text", "Cowley Road, bus stop")
    page.goto(page.url.split("#")[0] + "#outbox")
    item.get_by_role("button", name="Edit and resend").click()
    expect(page.get_by_test_id("encounter-form").locator('[name="location_text"]')).to_have_value(
        "Rose Hill, by the library")
    fill_stop_search(page, location="Cowley Road, bus stop")  # home, then a new stop: its draft comes back
    save(page)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    entries = {e["id"]: e for e in local_entries(page)}
    assert len(entries) == 2
    assert entries[returned["id"]]["data"]["location_text"] == "Rose Hill, by the library"
    assert entries[returned["id"]]["version"] == 1
    [new] = [e for i, e in entries.items() if i != returned["id"]]
    assert new["data"]["location_text"] == "Cowley Road, bus stop"
    assert sorted(stored_ids(server_app, list(entries))) == sorted(entries)


def test_a_returned_entry_is_fixed_and_resent(page, app_server, server_app):
    sign_in_app(page, app_server)
    fill_stop_search(page)
    entry, item = saved_then_returned(page, server_app, "Say when you saw the exchange.")
    item.get_by_role("button", name="Edit and resend").click()
    form = page.get_by_test_id("encounter-form")
    form.locator('[name="grounds"]').fill(GROUNDS + " Seen at 22:10 from across the road.")
    save(page)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    with server_app.app_context():
        row = stored(entry)
        assert row.version == 2 and row.review_state == "unreviewed"
        assert db.session.get(Encounter, row.id).grounds.endswith("across the road.")
        db.session.remove()
    # The feed lists version 2 as well; the phone sent it, so it does not fetch it back (an audited read).
    page.get_by_test_id("sync-now").click()
    page.evaluate("navigator.locks.request('outbox', async () => true)")  # every sync begun so far has pulled
    assert requests_seen(app_server, "/api/sync/pull") >= 3
    assert requests_seen(app_server, "/api/entries/") == 0


def test_sign_out_is_refused_with_unsent_entries(page, app_server):
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    fill_stop_search(page)
    save(page)
    page.goto(page.url.split("#")[0] + "#home")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#signout-error")).to_contain_text("You cannot sign out yet: 1 not on the server")
    expect(page.locator("#screen-home")).to_be_visible()
    page.context.set_offline(False)
    page.get_by_test_id("sync-now").click()
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_test_id("signin-form")).to_be_visible()
    assert local_entries(page) == []


def test_drafts_survive_a_reload(page, app_server):
    sign_in_app(page, app_server)
    open_form(page, "Stop and search")
    form = page.get_by_test_id("encounter-form")
    form.locator('[name="grounds"]').fill("Half-typed grounds, the officer is interrupted")
    wait_for_draft(page, "grounds", "Half-typed grounds, the officer is interrupted")
    reload_app(page)
    expect(page.get_by_test_id("encounter-form").locator('[name="grounds"]')).to_have_value(
        "Half-typed grounds, the officer is interrupted")


def test_the_next_encounter_opens_empty_at_its_own_time(page, app_server):
    """A draft save still waiting when the officer pressed save must not outlive the entry.

    The clock is paused, so the draft timer that the first entry's typing
    started is still due when the save resets the form; half an hour later it
    fires. The next form must open empty, at the time it is opened, not with
    the first entry's time.
    """
    page.clock.install()
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    pause_clock(page)
    fill_stop_search(page, location="Rose Hill, by the post office")
    save(page)
    page.clock.fast_forward("30:00")
    unlock(page)  # half an hour untouched: the app locked
    open_form(page, "Stop and search")
    form = page.get_by_test_id("encounter-form")
    expect(form).to_be_visible()  # filled before it is shown
    expect(form.locator('[name="location_text"]')).to_have_value("")
    expect(form.locator(".saved")).to_have_text("")  # 'Saved on this phone' was about the last entry
    minutes_old = page.evaluate("""() => {
        const opened = new Date(document.querySelector('#encounter-form [name="occurred_at"]').value);
        return (Date.now() - opened.getTime()) / 60000;
    }""")
    assert 0 <= minutes_old < 2
    assert load_draft(page) is None


def test_forms_are_built_when_the_lists_arrive_after_sign_in(page_without_worker, app_server, server_app):
    """Signed in, but the lists did not come: a banner says so; Send now fetches them and the forms work."""
    page = page_without_worker
    page.route("**/api/reference", lambda route: route.abort("connectionreset"))
    sign_in_app(page, app_server, worker=False)
    banner = page.locator("#banner-lists")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("press Send now")
    open_form(page, "Stop and search")
    expect(page.get_by_test_id("encounter-form").get_by_role("button", name=re.compile("^Save"))).to_be_disabled()
    page.unroute("**/api/reference")
    page.get_by_test_id("sync-now").click()
    expect(banner).to_be_hidden()
    form = page.get_by_test_id("encounter-form")  # still on screen: filled for a new stop now
    expect(form.get_by_role("radio", name="Stop and search")).to_be_checked()
    expect(form.locator('[name="occurred_at"]')).not_to_have_value("")
    fill_stop_search(page)
    save(page)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    [entry] = local_entries(page)
    assert stored_ids(server_app, [entry["id"]]) == [entry["id"]]


def test_send_now_brings_a_new_postbox_into_the_open_form(page, app_server, server_app):
    """An admin adds a postbox while the app is open: Send now puts it in the visit form, keeping what is typed."""
    from fieldapp.models import Team
    from fieldapp.postboxes.operations import Site, add_postbox

    sign_in_app(page, app_server)
    open_form(page, "Postbox round")
    visit = page.get_by_test_id("visit-form")
    visit.locator('[name="item_count"]').fill("4")
    expect(visit.locator('[data-field="postbox_id"]')).not_to_contain_text("Marsh Lane Bakery")
    with server_app.app_context():
        team = db.session.scalars(select(Team).order_by(Team.id)).first()
        add_postbox("PB-NEW-1", team.id, Site("Marsh Lane Bakery", "shop", "2 Marsh Lane"))  # as an admin does
        db.session.remove()
    page.get_by_test_id("sync-now").click()
    expect(visit.locator('[data-field="postbox_id"]')).to_contain_text("Marsh Lane Bakery")
    expect(visit.locator('[name="item_count"]')).to_have_value("4")
    visit.locator('[data-field="postbox_id"]').get_by_text(re.compile("Marsh Lane Bakery")).click()
    save(page, "visit-form")
    expect(outbox_count(page)).to_have_text("0", timeout=15000)


def test_a_version_sent_from_another_phone_replaces_the_data(page, app_server, server_app):
    """A new version the officer sent from another phone is fetched, once, on the next pull."""
    sign_in_app(page, app_server)
    fill_stop_search(page, location="Rose Hill, by the library")
    save(page)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    [entry] = local_entries(page)

    assert other_phone_push(server_app, app_server, entry, location_text="Rose Hill, library steps") == "updated"

    page.get_by_test_id("sync-now").click()
    wait_until(page, """async () => {
        const m = await import('/app/static/js/outbox.js');
        return (await m.entriesOf('officer1'))[0].version === 2;
    }""")
    [entry] = local_entries(page)
    assert entry["data"]["location_text"] == "Rose Hill, library steps" and entry["state"] == "sent"
    assert requests_seen(app_server, "/api/entries/") == 1


def test_a_refused_save_keeps_the_last_keystrokes_as_a_draft(page, app_server):
    """Save pressed with a field missing: the form says what is wrong and what was typed is kept
    at once, not when the typing pause ends (the clock is paused: that never comes)."""
    page.clock.install()
    sign_in_app(page, app_server)
    pause_clock(page)
    open_form(page, "Stop and search")
    form = page.get_by_test_id("encounter-form")
    form.locator('[name="grounds"]').fill("Typed just before pressing save")
    form.get_by_role("button", name=re.compile("^Save")).click()
    expect(form.locator('[data-field="location_text"] .error')).not_to_be_empty()
    wait_for_draft(page, "grounds", "Typed just before pressing save")
    assert local_entries(page) == []


def test_the_browser_checks_fields_like_the_server(page, app_server):
    sign_in_app(page, app_server)
    open_form(page, "Stop and search")
    form = page.get_by_test_id("encounter-form")
    form.locator('[name="grounds"]').fill("short")
    form.get_by_role("button", name="Save").click()
    expect(form.locator('[data-field="grounds"] .error')).to_have_text("Grounds must be at least 20 characters.")
    expect(form.locator('[data-field="location_text"] .error')).to_contain_text("Give a location description")
    expect(form.locator(".saved")).to_have_text("")
    assert local_entries(page) == []


def test_installable_with_no_errors(playwright_instance, app_server, tmp_path):
    from tests.fixtures.chromium import CHROMIUM_ARGS, chromium_path

    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=chromium_path(), args=CHROMIUM_ARGS)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(f"{app_server.url}/app")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors") == {"installabilityErrors": []}
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == []
    finally:
        context.close()


def test_usable_at_360px_with_big_targets(page, app_server):
    sign_in_app(page, app_server)
    open_form(page, "Stop and search")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    small = page.evaluate("""() => [...document.querySelectorAll(
          '#screen-encounter button, #screen-encounter .choice label, #screen-encounter input:not([type=radio]), #screen-encounter select')]
        .filter((el) => el.offsetParent !== null)
        .map((el) => [el.name || el.textContent.trim(), el.getBoundingClientRect().height])
        .filter(([, h]) => h < 44)""")
    assert small == []
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter((el) => !(el.labels && el.labels.length)).map((el) => el.name || el.id)""")
    assert unlabelled == []
