"""Photos from the officer app (issue 11), in real headless Chromium at 390 px, with a real JPEG.

A picture is made smaller on the phone (a JPEG at most 1,600 px on its long side), kept in
IndexedDB and saved with its entry in one transaction, counted in 'not sent', sent after its
entry with its SHA-256 once there is a connection, and seen by the supervisor on the entry page.
A resident's card can be recorded by its photo alone.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.officer import (
    fill_stop_search, local_entries, open_form, outbox_count, reload_app, save, sign_in_app, wait_until,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDTH, HEIGHT = 390, 844

# A camera's picture: 4000 x 3000, drawn and encoded as a JPEG by Chromium itself.
DRAW_CARD = """() => {
    const canvas = document.createElement('canvas');
    canvas.width = 4000; canvas.height = 3000;
    const g = canvas.getContext('2d');
    const sky = g.createLinearGradient(0, 0, 4000, 3000);
    sky.addColorStop(0, '#f4e9c8'); sky.addColorStop(1, '#8aa1b8');
    g.fillStyle = sky; g.fillRect(0, 0, 4000, 3000);
    g.fillStyle = '#fff'; g.fillRect(600, 500, 2800, 2000);
    g.fillStyle = '#123'; g.font = '160px serif';
    ['Have your say', 'More patrols by the shops', 'after 10pm please'].forEach((line, i) => g.fillText(line, 750, 900 + i * 400));
    for (let i = 0; i < 4000; i += 7) { g.fillStyle = `hsl(${i % 360}, 60%, 50%)`; g.fillRect(i, 2900, 5, 100); }
    return canvas.toDataURL('image/jpeg', 0.9).split(',')[1];
}"""


@pytest.fixture
def card_photo(browser, tmp_path):
    """A real 4000 x 3000 JPEG file on disk, as a phone's camera would hand it over."""
    page = browser.new_page()
    data = base64.b64decode(page.evaluate(DRAW_CARD))
    page.close()
    path = tmp_path / "IMG_0001.jpg"
    path.write_bytes(data)
    assert data[:3] == b"\xff\xd8\xff" and len(data) > 200_000
    return path


@pytest.fixture
def phone(browser):
    """A 390 px phone with no location fix (the officer chooses the postbox)."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    yield context.new_page()
    context.close()


def take_photo(page: Page, form_id: str, path) -> None:
    """The officer takes a picture: the camera hands the file to the form's photo input."""
    form = page.get_by_test_id(form_id)
    count = form.get_by_test_id("photo-list").locator("li").count()
    form.locator(".photo-input").set_input_files(path)
    expect(form.get_by_test_id("photo-list").locator("li")).to_have_count(count + 1)
    expect(form.get_by_test_id("photo-list").locator("li").nth(count).locator("img")).to_be_visible()


def start_visit(page: Page) -> None:
    open_form(page, "Postbox round")
    visit = page.get_by_test_id("visit-form")
    visit.locator('[data-field="postbox_id"]').get_by_text(re.compile("Rose Hill Community Centre")).click()
    save(page, "visit-form")


def local_photos(page: Page) -> list[dict]:
    """The photo records in the phone's IndexedDB, with the size of the picture their bytes hold."""
    return page.evaluate("""async () => {
        const m = await import('/app/static/js/photos.js');
        const out = [];
        for (const photo of await m.photosOf('officer1')) {
            const bytes = await m.photoBytes(photo.id);
            let picture = null;
            if (bytes) {
                const bitmap = await createImageBitmap(new Blob([bytes], { type: photo.type }));
                picture = [bitmap.width, bitmap.height, new Uint8Array(bytes).slice(0, 3).join(',')];
            }
            out.push({ ...photo, picture });
        }
        return out;
    }""")


def stored_photos(server_app, entry_id: str) -> list[tuple[str, str, bytes]]:
    """The photos the server holds for an entry: (id, sha256, bytes)."""
    from sqlalchemy import select

    from fieldapp.extensions import db
    from fieldapp.models import Photo, PhotoBlob

    with server_app.app_context():
        rows = db.session.execute(select(Photo.id, Photo.sha256, PhotoBlob.data).join(PhotoBlob, PhotoBlob.sha256 == Photo.sha256)
                                  .where(Photo.entry_id == uuid.UUID(entry_id))).all()
        db.session.remove()
    return [(str(r[0]), r[1], bytes(r[2])) for r in rows]


def jpeg_size(data: bytes) -> tuple[int, int]:
    """A baseline or progressive JPEG's width and height, from its start-of-frame marker."""
    at = 2
    while at < len(data):
        marker, length = data[at + 1], int.from_bytes(data[at + 2:at + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(data[at + 7:at + 9], "big"), int.from_bytes(data[at + 5:at + 7], "big")
        at += 2 + length
    raise AssertionError("no start-of-frame marker")


def test_a_card_by_its_photo_alone_offline_then_sent_and_seen_by_the_supervisor(phone, app_server, server_app, card_photo, browser):
    page = phone
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    start_visit(page)
    card = page.get_by_test_id("item-form")
    take_photo(page, "item-form", card_photo)
    card.locator('[data-field="topics"]').get_by_text("Drugs", exact=True).click()
    save(page, "item-form")  # no summary: the photo is the resident's own words

    # On the phone: the card lists its photo, made smaller, pending with the entry; counted as not sent.
    item = next(e for e in local_entries(page) if e["type"] == "postbox_item")
    [photo] = local_photos(page)
    assert item["data"]["photos"] == [photo["id"]] and "summary" not in item["data"]
    assert photo["state"] == "pending" and photo["entryId"] == item["id"]
    assert photo["picture"] == [1600, 1200, "255,216,255"]  # a JPEG, 1,600 px on its long side
    assert len(card_photo.read_bytes()) > 2 * photo["size"]
    expect(outbox_count(page)).to_have_text("3")  # the visit, the card and its photo
    expect(page.get_by_test_id("connection-state")).to_contain_text("3 not sent")
    page.goto(page.url.split("#")[0] + "#outbox")
    row = page.locator(f'#outbox-list li[data-id="{item["id"]}"]')
    expect(row.get_by_test_id("entry-photos")).to_have_text("Photo: waiting to send")

    # A connection: the entries go, then the photo with its digest; its bytes leave the phone.
    page.context.set_offline(False)
    page.get_by_test_id("sync-now").click()
    expect(outbox_count(page)).to_have_text("0")
    expect(row.get_by_test_id("entry-photos")).to_have_text("Photo: on the server")
    [photo] = local_photos(page)
    assert photo["state"] == "sent" and photo["picture"] is None
    [(photo_id, digest, data)] = stored_photos(server_app, item["id"])
    assert photo_id == photo["id"] and digest == photo["sha256"] == hashlib.sha256(data).hexdigest()
    assert jpeg_size(data) == (1600, 1200)

    # The sergeant sees the photo on the entry page (and the card has no summary to show).
    desk = browser.new_page(viewport={"width": 1280, "height": 800})
    desk.goto(f"{app_server.url}/login")
    desk.get_by_label("Username").fill("sergeant")
    desk.get_by_label("Password").fill(app_server.demo_password())
    desk.get_by_role("button", name="Sign in").click()
    desk.goto(f"{app_server.url}/review/{item['id']}")
    image = desk.locator("img[alt='Photo 1 of this entry']")
    expect(image).to_be_visible()
    loaded = desk.wait_for_function("img => img.complete && img.naturalWidth", arg=image.element_handle(), timeout=10000)
    assert loaded.json_value() == 1600
    desk.close()


def test_a_photo_stays_with_the_draft_through_a_reload_and_is_saved_with_the_stop(phone, app_server, card_photo):
    page = phone
    sign_in_app(page, app_server)
    open_form(page, "Stop and search")
    form = page.get_by_test_id("encounter-form")
    take_photo(page, "encounter-form", card_photo)
    [photo] = local_photos(page)
    assert photo["state"] == "draft" and photo["entryId"] is None
    wait_until(page, """async () => {
        const m = await import('/app/static/js/outbox.js');
        const draft = await m.loadDraft('officer1', 'encounter');
        return !!draft && (draft.data.photos || []).length === 1;
    }""")
    reload_app(page)
    expect(form.get_by_test_id("photo-list").locator("li img")).to_have_count(1)
    fill_stop_search(page)  # from Home, as an officer back to the form would: the draft, photo and all
    expect(form.get_by_test_id("photo-list").locator("li img")).to_have_count(1)
    save(page)
    [entry] = local_entries(page)
    assert entry["data"]["photos"] == [photo["id"]]
    # The next entry starts with no photo.
    expect(form.get_by_test_id("photo-list").locator("li")).to_have_count(0)


def test_removed_and_discarded_photos_leave_the_phone_and_a_summary_or_photo_is_asked_for(phone, app_server, card_photo):
    page = phone
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    start_visit(page)
    card = page.get_by_test_id("item-form")
    # Neither a summary nor a photo: the form says what it needs.
    card.locator('[data-field="topics"]').get_by_text("Drugs", exact=True).click()
    card.get_by_role("button", name=re.compile("^Save")).click()
    expect(card.locator('[data-field="summary"] .error')).to_have_text("Write what the card says, or take a photo of it.")
    # A photo taken, then removed (after a confirmation): it leaves the phone.
    take_photo(page, "item-form", card_photo)
    card.get_by_role("button", name="Remove photo 1").click()
    card.get_by_role("button", name="Yes, remove it").click()
    expect(card.get_by_test_id("photo-list").locator("li")).to_have_count(0)
    wait_until(page, "async () => (await (await import('/app/static/js/photos.js')).photosOf('officer1')).length === 0")
    # A photo taken, then the card discarded: the photo goes with it.
    take_photo(page, "item-form", card_photo)
    card.get_by_role("button", name="Discard this card").click()
    card.get_by_role("button", name="Yes, discard it").click()
    wait_until(page, "async () => (await (await import('/app/static/js/photos.js')).photosOf('officer1')).length === 0")
    # A photo saved with a card and not yet sent: the officer cannot sign out.
    take_photo(page, "item-form", card_photo)
    card.locator('[data-field="topics"]').get_by_text("Drugs", exact=True).click()
    save(page, "item-form")
    expect(outbox_count(page)).to_have_text("3")
    page.get_by_role("link", name="Finish round").click()
    expect(page.locator("#screen-home")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#signout-error")).to_contain_text("You cannot sign out yet")
    assert [p["state"] for p in local_photos(page)] == ["pending"]
