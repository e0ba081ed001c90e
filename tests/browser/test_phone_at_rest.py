"""Issue 14, the phone at rest, in real Chromium against the real server: what the officer app keeps
in IndexedDB is sealed (AES-GCM under a data key that only a PIN or the server's recovery key opens),
the app locks when idle and after a reload, five wrong PINs leave only the server's way back, a phone
marked lost erases itself, and a phone of the release before PINs is encrypted in place.

The disk test reads the browser profile's raw files after the browser has closed them: the officer's
words, a card's summary, a draft, a photo's bytes and the device token must not be found in them,
while the entry's id (kept in clear for the outbox's bookkeeping) must be: the scan sees the records.
"""

from __future__ import annotations

import re
import secrets
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.officer import (
    TEST_PIN, fill_stop_search, local_entries, open_form, outbox_count, reload_app, save, set_pin, sign_in_app,
    stored_ids, unlock, wait_for_draft,
)
from tests.fixtures.chromium import CHROMIUM_ARGS, chromium_path
from tests.images import JPEG

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def words(tag: str) -> str:
    """Grounds text no page ever held before: a random word in plain sentences (at least 20 characters)."""
    return f"Seen passing a small wrapped package near the bus stop, canary {tag}"


def read_meta(page: Page, key: str):
    return page.evaluate("async (key) => (await import('/app/static/js/db.js')).getMeta(key)", key)


def raw_meta(page: Page, key: str):
    """A meta row's value as stored (sealed or not), its bytes as hex."""
    return page.evaluate("""async (key) => {
        const db = await import('/app/static/js/db.js');
        const row = await db.withStores(['meta'], 'readonly', (meta, out) => db.into(out, meta.get(key)));
        const hex = (v) => Array.from(new Uint8Array(v), (b) => b.toString(16).padStart(2, '0')).join('');
        return row && JSON.parse(JSON.stringify(row.value, (k, v) => (v instanceof Uint8Array || v instanceof ArrayBuffer ? hex(v) : v)));
    }""", key)


def found_in(folder: Path, needles: dict[str, bytes]) -> dict[str, list[str]]:
    """Which needles occur in which files below ``folder`` (as UTF-8 and as UTF-16LE)."""
    hits: dict[str, list[str]] = {name: [] for name in needles}
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        for name, needle in needles.items():
            if needle in data or needle.decode("latin-1").encode("utf-16-le") in data:
                hits[name].append(str(path.relative_to(folder)))
    return hits


def mark_lost(browser, server, device_id: str) -> None:
    """The admin marks the phone lost in /admin (the two steps an admin takes)."""
    context = browser.new_context()
    desk = context.new_page()
    desk.goto(f"{server.url}/login")
    desk.get_by_label("Username").fill("admin")
    desk.get_by_label("Password").fill(server.demo_password())
    desk.get_by_role("button", name="Sign in").click()
    expect(desk.get_by_role("button", name="Sign out")).to_be_visible()
    desk.goto(f"{server.url}/admin/devices/{device_id}/lost")
    desk.get_by_label(re.compile("I understand")).check()
    desk.get_by_role("button", name="Mark lost").click()
    expect(desk.locator("body")).to_contain_text(re.compile("lost", re.I))
    context.close()


def test_nothing_typed_is_on_disk_in_clear(playwright_instance, app_server, tmp_path):
    profile = tmp_path / "profile"
    photo_file = tmp_path / "IMG_0002.jpg"
    photo_file.write_bytes(JPEG)
    context = playwright_instance.chromium.launch_persistent_context(
        str(profile), executable_path=chromium_path(), args=CHROMIUM_ARGS, viewport={"width": 390, "height": 844})
    page = context.pages[0] if context.pages else context.new_page()
    tag = secrets.token_hex(8)
    sign_in_app(page, app_server)
    token = read_meta(page, "session")["token"]
    context.set_offline(True)  # kept on the phone: the photo's bytes too
    fill_stop_search(page, grounds=words(tag))
    page.get_by_test_id("encounter-form").locator(".photo-input").set_input_files(str(photo_file))
    expect(page.get_by_test_id("encounter-form").get_by_test_id("photo-list").locator("li img")).to_be_visible()
    save(page)
    card = f"Cards say the lights on Elm Walk are out, canary {tag[::-1]}"
    open_form(page, "Postbox round")
    page.get_by_test_id("visit-form").locator('[data-field="postbox_id"]').get_by_text(
        re.compile("Rose Hill Community Centre")).click()
    save(page, "visit-form")
    item = page.get_by_test_id("item-form")
    item.locator('[data-field="topics"] input').first.check()
    item.locator('[name="summary"]').fill(card)
    save(page, "item-form")
    draft = f"Half typed when the shift ended, canary {tag.upper()}"
    open_form(page, "Stop and search")
    page.get_by_test_id("encounter-form").locator('[name="grounds"]').fill(draft)
    wait_for_draft(page, "grounds", draft)
    photo = page.evaluate("""async () => {
        const photos = await import('/app/static/js/photos.js');
        const [one] = await photos.photosOf('officer1');
        return { id: one.id, hex: [...new Uint8Array(await photos.photoBytes(one.id))].map((b) => b.toString(16).padStart(2, '0')).join('') };
    }""")
    entry_id = next(e["id"] for e in local_entries(page) if e["type"] == "encounter")
    assert raw_meta(page, "session")["sealed"] == 1
    context.close()  # the browser writes out and closes its files

    picture = bytes.fromhex(photo["hex"])
    needles = {
        "grounds": tag.encode(), "card": tag[::-1].encode(), "draft": tag.upper().encode(),
        "token": token.encode(), "photo": picture[len(picture) // 2:len(picture) // 2 + 48],
        "entry id (clear, the control)": entry_id.encode(),
    }
    hits = found_in(profile / "Default" / "IndexedDB", needles)
    assert hits.pop("entry id (clear, the control)"), "the scan did not find the records at all"
    assert hits == {name: [] for name in hits}, f"found in clear: {hits}"
    # And nowhere else in the profile: caches, local storage, logs.
    elsewhere = found_in(profile, {name: needles[name] for name in ("grounds", "card", "draft", "token")})
    assert elsewhere == {name: [] for name in elsewhere}, f"found in clear: {elsewhere}"


def test_unlock_offline_after_a_restart_and_a_wrong_pin(page, app_server):
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    fill_stop_search(page, grounds=words("offline"))
    save(page)
    page.reload()
    expect(page.locator("#screen-unlock")).to_be_visible()
    expect(outbox_count(page)).to_have_text("1")  # counted in clear, nothing shown
    form = page.get_by_test_id("unlock-form")
    form.get_by_label("PIN", exact=True).fill("975310")
    form.get_by_role("button", name="Unlock").click()
    expect(page.locator("#unlock-error")).to_have_text("Wrong PIN. 4 tries left.")
    unlock(page)
    page.goto(page.url.split("#")[0] + "#outbox")
    expect(page.get_by_test_id("outbox-list")).to_contain_text(words("offline")[:30])
    assert raw_meta(page, "vault")["failures"] == 0  # a right PIN starts the count again
    page.context.set_offline(False)
    page.get_by_test_id("sync-now").click()
    expect(outbox_count(page)).to_have_text("0", timeout=15000)


def test_idle_lock_keeps_the_typing_as_a_sealed_draft(page, app_server):
    page.clock.install()
    sign_in_app(page, app_server)
    open_form(page, "Stop and search")
    grounds = page.get_by_test_id("encounter-form").locator('[name="grounds"]')
    grounds.fill(words("idle"))
    page.clock.run_for(4 * 60 * 1000)  # 4 minutes: still open
    expect(page.locator("#screen-encounter")).to_be_visible()
    page.clock.run_for(61 * 1000)
    expect(page.locator("#screen-unlock")).to_be_visible()
    expect(grounds).to_have_value("")  # nothing of it left on the page
    assert page.evaluate("(async () => (await import('/app/static/js/db.js')).unlocked())()") is False
    unlock(page)
    expect(page.locator("#screen-encounter")).to_be_visible()
    expect(grounds).to_have_value(words("idle"))


def test_five_wrong_pins_then_the_password_recovers_everything(page, app_server, server_app):
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    fill_stop_search(page, grounds=words("lockout"))
    save(page)
    [entry] = local_entries(page)
    page.reload()
    form = page.get_by_test_id("unlock-form")
    for left in (4, 3, 2, 1):
        form.get_by_label("PIN", exact=True).fill("975310")
        form.get_by_role("button", name="Unlock").click()
        expect(page.locator("#unlock-error")).to_have_text(f"Wrong PIN. {left} {'try' if left == 1 else 'tries'} left.")
    form.get_by_label("PIN", exact=True).fill("975310")
    form.get_by_role("button", name="Unlock").click()
    expect(page.locator("#screen-signin")).to_be_visible()
    expect(page.locator("#signin-error")).to_have_text("5 wrong PINs: sign in with your password to unlock.")
    vault = raw_meta(page, "vault")
    assert "pinWrap" not in vault and vault["recoveryWrap"]  # only the server's key opens it now
    page.reload()  # a restart does not bring the PIN back
    expect(page.locator("#screen-signin")).to_be_visible()
    expect(outbox_count(page)).to_have_text("1")
    page.context.set_offline(False)
    signin = page.get_by_test_id("signin-form")
    signin.get_by_label("Username").fill("officer1")
    signin.get_by_label("Password").fill(app_server.demo_password())
    signin.get_by_role("button", name="Sign in").click()
    expect(page.locator("#pin-title")).to_have_text("Set a new PIN")
    set_pin(page, "864209")
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    assert stored_ids(server_app, [entry["id"]]) == [entry["id"]]
    reload_app(page, "864209")
    assert [e["id"] for e in local_entries(page)] == [entry["id"]]


def test_a_phone_marked_lost_erases_itself_and_says_why(page, app_server, browser):
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    fill_stop_search(page, grounds=words("lost"))
    save(page)
    device_id = read_meta(page, "session")["device_id"]
    mark_lost(browser, app_server, device_id)
    page.context.set_offline(False)
    page.get_by_test_id("sync-now").click()
    expect(page.locator("#screen-signin")).to_be_visible()
    expect(page.locator("#signin-error")).to_contain_text("reported lost")
    expect(page.locator("#signin-error")).to_contain_text("erased")
    names = page.evaluate("indexedDB.databases().then((all) => all.map((d) => d.name))")
    stores = page.evaluate("""async () => {
        const db = await import('/app/static/js/db.js');
        const out = {};
        for (const name of ['entries', 'drafts', 'meta', 'photos', 'photo_bytes']) {
            out[name] = await db.withStores([name], 'readonly', (s, o) => db.into(o, s.count()));
        }
        return out;
    }""") if "fieldapp" in names else {}
    assert all(count == 0 for count in stores.values()), stores
    expect(outbox_count(page)).to_have_text("0")


#: The release before PINs: its officer app as it was (issue 14's first wired commit's parent).
PREVIOUS_RELEASE = "180032a"


def previous_release_file(path: str) -> bytes:
    return subprocess.run(["git", "show", f"{PREVIOUS_RELEASE}:{path}"], cwd=ROOT, check=True,
                          capture_output=True).stdout


OLD_MODULES = re.compile(r".*/app/static/js/.*\.js$")


def previous_release_phone(browser, server):
    """A phone running the previous release's app (its modules served from git), signed in as officer1.

    Service workers are blocked, so every module request reaches page.route; unroute OLD_MODULES to update.
    """
    try:
        previous_release_file("static/js/app.js")
    except subprocess.CalledProcessError:
        pytest.skip("this checkout has no history (a shallow clone): the previous release cannot be served")
    context = browser.new_context(viewport={"width": 390, "height": 844}, service_workers="block")
    page = context.new_page()
    page.route(OLD_MODULES, lambda route: route.fulfill(
        body=previous_release_file("static/" + route.request.url.split("/app/static/", 1)[1]),
        content_type="text/javascript"))
    page.goto(f"{server.url}/app")
    form = page.get_by_test_id("signin-form")
    form.get_by_label("Username").fill("officer1")
    form.get_by_label("Password").fill(server.demo_password())
    form.get_by_role("button", name="Sign in").click()
    expect(page.locator("#screen-home")).to_be_visible()  # no PIN in that release
    expect(page.locator("#sync-status")).to_have_text(re.compile("Everything is on the server|All sent"))
    return context, page


def test_a_phone_of_the_previous_release_is_encrypted_in_place(browser, app_server, server_app, tmp_path):
    """The previous release's app writes its storage (in clear); the update seals it without loss."""
    context, page = previous_release_phone(browser, app_server)
    context.set_offline(True)
    fill_stop_search(page, grounds=words("old release"))
    save(page)
    open_form(page, "Stop and search")
    page.get_by_test_id("encounter-form").locator('[name="grounds"]').fill("Typed before the update, a draft")
    wait_for_draft(page, "grounds", "Typed before the update, a draft")
    old = page.evaluate("async () => (await import('/app/static/js/outbox.js')).entriesOf('officer1')")
    assert len(old) == 1 and old[0]["data"]["grounds"] == words("old release")  # in clear, as that release kept it

    page.unroute(OLD_MODULES)
    context.set_offline(False)
    page.reload()  # the update: this release's code on that storage
    expect(page.locator("#pin-help")).to_contain_text("This update keeps what is on this phone encrypted")
    set_pin(page)
    expect(page.locator("#screen-pin")).to_be_hidden()
    assert raw_meta(page, "session")["sealed"] == 1
    raw_entry = page.evaluate("""async () => {
        const db = await import('/app/static/js/db.js');
        const [row] = await db.withStores(['entries'], 'readonly', (s, o) => db.into(o, s.getAll()));
        return { sealed: row.data.sealed === 1, id: row.id };
    }""")
    assert raw_entry == {"sealed": True, "id": old[0]["id"]}
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    assert stored_ids(server_app, [old[0]["id"]]) == [old[0]["id"]]
    reload_app(page)
    assert [e["id"] for e in local_entries(page)] == [old[0]["id"]]
    open_form(page, "Stop and search")
    expect(page.get_by_test_id("encounter-form").locator('[name="grounds"]')).to_have_value("Typed before the update, a draft")
    context.close()


def test_a_previous_release_phone_whose_device_has_no_key_signs_in_once(browser, app_server, server_app):
    """A device signed in before recovery keys existed: GET /api/auth/recovery-key is 404, so the app
    asks for the password once (a sign-in without a key makes one), then seals everything."""
    context, page = previous_release_phone(browser, app_server)
    context.set_offline(True)
    fill_stop_search(page, grounds=words("no key"))
    save(page)
    [old] = page.evaluate("async () => (await import('/app/static/js/outbox.js')).entriesOf('officer1')")
    device_id = page.evaluate("async () => (await import('/app/static/js/db.js')).getMeta('session')")["device_id"]
    with server_app.app_context():  # as if signed in before recovery keys existed
        from fieldapp.extensions import db
        from fieldapp.models import Device

        db.session.get(Device, device_id).recovery_key = None
        db.session.commit()
        db.session.remove()

    page.unroute(OLD_MODULES)
    context.set_offline(False)
    page.reload()
    set_pin(page)  # asked first; the server then has no key for this phone
    expect(page.locator("#screen-signin")).to_be_visible()
    expect(page.locator("#signin-error")).to_have_text("Sign in once to set your PIN.")
    form = page.get_by_test_id("signin-form")
    form.get_by_label("Username").fill("officer1")
    form.get_by_label("Password").fill(app_server.demo_password())
    form.get_by_role("button", name="Sign in").click()
    set_pin(page)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    assert stored_ids(server_app, [old["id"]]) == [old["id"]]
    assert raw_meta(page, "session")["sealed"] == 1
    reload_app(page)
    assert [e["id"] for e in local_entries(page)] == [old["id"]]
    context.close()


def test_a_tab_left_open_when_another_signs_out_starts_again(page, app_server):
    """Signing out in one tab erases the store: the other tab reloads and holds nothing, not a dead key."""
    sign_in_app(page, app_server)
    fill_stop_search(page, grounds=words("two tabs"))
    save(page)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    other = page.context.new_page()
    other.goto(f"{app_server.url}/app")
    unlock(other)
    expect(other.locator("#screen-home")).to_be_visible()
    page.goto(page.url.split("#")[0] + "#home")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#screen-signin")).to_be_visible()
    expect(other.locator("#screen-signin")).to_be_visible(timeout=10000)  # reloaded: no vault, no session
    assert other.evaluate("(async () => (await import('/app/static/js/db.js')).unlocked())()") is False
    assert local_entries(other) == []


def test_the_pin_can_be_changed_and_trivial_ones_are_refused(page, app_server):
    page.goto(f"{app_server.url}/app")
    form = page.get_by_test_id("signin-form")
    form.get_by_label("Username").fill("officer1")
    form.get_by_label("Password").fill(app_server.demo_password())
    form.get_by_role("button", name="Sign in").click()
    pin_form = page.get_by_test_id("pin-form")
    for pin, again, message in (("123456", "123456", "Too easy to guess: avoid runs and repeats."),
                                ("000000", "000000", "Too easy to guess: avoid runs and repeats."),
                                ("12345", "12345", "Use at least 6 digits."),
                                ("260817", "260818", "The two PINs are not the same.")):
        pin_form.get_by_label("New PIN (at least 6 digits)").fill(pin)
        pin_form.get_by_label("New PIN again").fill(again)
        pin_form.get_by_role("button", name="Set PIN").click()
        expect(page.locator("#pin-error")).to_have_text(message)
    set_pin(page)
    expect(page.locator("#screen-home")).to_be_visible()
    before = raw_meta(page, "vault")
    page.get_by_role("button", name="Change PIN").click()
    pin_form.get_by_label("Current PIN").fill(TEST_PIN)
    set_pin(page, "538164")
    after = raw_meta(page, "vault")
    assert after["recoveryWrap"] == before["recoveryWrap"]  # only the PIN's wrap changes
    reload_app(page, "538164")
    expect(page.locator("#screen-home")).to_be_visible()
