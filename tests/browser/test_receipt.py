"""The stop and search receipt on the phone (issue #15): made offline, shown, and sent with the entry.

The reference is made in the browser (static/js/receipt.js) with the rules of
sync/receipts.py; the receipt screen and its QR code come from lazily imported
modules the service worker precached at sign-in, so all of it works with no
connection. The QR code is decoded from a screenshot with zxing-cpp.
"""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Team, User
from sync import receipts
from tests.browser.officer import (
    fill_stop_search, local_entries, open_form, outbox_count, requests_seen, save, server_encounter, sign_in_app,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
REFERENCE = re.compile(r"^[34679ACDEFHJKMNPQRTVWXY]{4}-[34679ACDEFHJKMNPQRTVWXY]{4}-[34679ACDEFHJKMNPQRTVWXY]{4}$")


def set_station(server_app, station: str) -> None:
    """officer1's team works from ``station`` (the phone gets it with the lists at sign-in)."""
    with server_app.app_context():
        user = db.session.scalar(select(User).where(User.username == "officer1"))
        db.session.get(Team, user.team_id).station = station
        db.session.commit()
        db.session.remove()


def shown_reference(page) -> str:
    receipt = page.get_by_test_id("receipt")
    expect(receipt).to_be_visible()
    shown = receipt.get_by_test_id("receipt-ref")
    groups = shown.locator('span[aria-hidden="true"]').all_inner_texts()
    assert "-".join(groups) == shown.get_attribute("data-ref")
    spoken = shown.locator(".visually-hidden").inner_text()
    assert spoken == " ".join("".join(groups))  # read out character by character
    return "-".join(groups)


def decode_qr(page) -> str:
    png = page.locator("#receipt svg.qr").screenshot()
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return code.text


def test_receipt_made_offline_with_a_qr_code_of_the_request_link(page, app_server, server_app):
    set_station(server_app, "Rose Hill police station")
    sign_in_app(page, app_server)
    page.context.set_offline(True)
    before = requests_seen(app_server)
    fill_stop_search(page)
    save(page)

    reference = shown_reference(page)
    assert REFERENCE.match(reference), reference
    assert receipts.normalise(reference) == reference  # a valid check character
    receipt = page.get_by_test_id("receipt")
    expect(page.get_by_test_id("receipt-saved")).to_have_text("Saved on this phone. Show or hand over this receipt.")
    for text in ("4521", "Rose Hill police station", "Misuse of Drugs Act 1971 (section 23)", "Controlled drugs"):
        expect(receipt).to_contain_text(text)
    page.set_viewport_size({"width": 360, "height": 740})  # a small phone: nothing wider than the screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    link = f"{app_server.url}/receipt?ref={reference}"
    expect(receipt.get_by_test_id("receipt-url")).to_have_text(link)
    assert decode_qr(page) == link
    assert requests_seen(app_server) == before, "the server saw a request while the phone was offline"

    [entry] = local_entries(page)
    assert entry["data"]["receipt_ref"] == reference
    receipt.get_by_role("button", name="Done").click()
    expect(page.get_by_test_id("receipt")).to_have_count(0)
    expect(page.locator("#screen-encounter")).to_be_visible()
    page.goto(page.url.split("#")[0] + "#outbox")
    expect(page.locator(f'li[data-id="{entry["id"]}"]')).to_contain_text(f"Receipt {reference}")

    page.context.set_offline(False)
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    assert server_encounter(server_app, entry["id"]).receipt_ref == reference


def test_two_searches_in_a_row_get_two_receipts_and_an_edit_keeps_its_own(page, app_server, server_app):
    sign_in_app(page, app_server)
    fill_stop_search(page)
    save(page)
    first = shown_reference(page)
    page.get_by_test_id("receipt").get_by_role("button", name="Done").click()
    fill_stop_search(page, location="Outside the library, Rose Hill")
    save(page)
    second = shown_reference(page)
    assert first != second
    assert {receipts.normalise(first), receipts.normalise(second)} == {first, second}
    expect(page.get_by_test_id("receipt")).to_have_count(1)  # the last one only
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    stored = {e["data"]["location_text"]: e for e in local_entries(page)}
    assert stored["Outside the Co-op, Rose Hill"]["data"]["receipt_ref"] == first
    assert server_encounter(server_app, stored["Outside the library, Rose Hill"]["id"]).receipt_ref == second


def test_other_encounters_get_no_receipt(page, app_server):
    sign_in_app(page, app_server)
    open_form(page, "Other encounter")
    form = page.get_by_test_id("encounter-form")
    form.locator('[data-field="kind"]').get_by_text("Stop and account").click()
    form.locator('[name="location_text"]').fill("High Street")
    save(page)
    expect(page.get_by_test_id("receipt")).to_have_count(0)
    [entry] = local_entries(page)
    assert "receipt_ref" not in entry["data"]


def test_references_made_in_the_browser_agree_with_python(page, app_server):
    """Parity: the browser's check character equals sync.receipts' for fixed bodies, and 2,000 fresh
    references from the browser are all valid, all different, and use every character."""
    sign_in_app(page, app_server, worker=False)
    bodies = ["34679ACDEFH", "JKMNPQRTVWX", "YYYYYYYYYYY", "33333333333", "7KQ4MX9THC3", "AAAAAAAAAAA"]
    result = page.evaluate("""async (bodies) => {
        const m = await import('/app/static/js/receipt.js');
        const fresh = Array.from({ length: 2000 }, () => m.newReference());
        return { checks: bodies.map((b) => m.checkChar(b)), fresh, alphabet: m.ALPHABET };
    }""", bodies)
    assert result["alphabet"] == receipts.ALPHABET
    assert result["checks"] == [receipts.check_char(b) for b in bodies]
    fresh = result["fresh"]
    assert all(receipts.normalise(ref) == ref for ref in fresh)
    assert len(set(fresh)) == len(fresh)
    assert set("".join(ref.replace("-", "")[:11] for ref in fresh)) == set(receipts.ALPHABET)


def test_the_receipt_and_the_grounds_helpers_pass_axe(page, app_server):
    """axe-core (as tests/browser/test_axe.py runs it) finds nothing on the form with a warning shown,
    nor on the receipt, at 390 px."""
    from tests.browser.test_axe import violations

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_app(page, app_server)
    fill_stop_search(page)
    grounds = page.get_by_test_id("encounter-form").locator('[name="grounds"]')
    grounds.fill("Smelt cannabis")
    expect(page.get_by_test_id("grounds-warning")).not_to_be_empty()
    page.locator('[data-field="grounds"] summary', has_text="GOWISELY").click()
    assert violations(page) == []
    grounds.fill("Seen to pass a small wrapped package to a cyclist outside the Co-op and hide another in his sock.")
    save(page)
    expect(page.get_by_test_id("receipt")).to_be_visible()
    assert violations(page) == []


def test_a_reference_found_taken_gets_a_new_receipt_on_fix_and_resend(page, app_server, server_app):
    """About 5 in a million: the server refuses a reference another search has. 'Fix and resend' must not
    send the same one again (it would be refused forever): a new one is made and its receipt shown."""
    from tests.factories import stop_search

    sign_in_app(page, app_server)
    page.context.set_offline(True)
    fill_stop_search(page)
    save(page)
    taken = shown_reference(page)
    page.get_by_test_id("receipt").get_by_role("button", name="Done").click()
    with server_app.app_context():  # meanwhile, another phone's search with the same reference reaches the server
        from tests.browser.officer import push_as_officer

        push_as_officer(server_app, app_server, [stop_search(receipt_ref=taken)])
    page.context.set_offline(False)
    page.get_by_test_id("sync-now").click()
    expect(outbox_count(page)).to_have_text("1", timeout=15000)
    [entry] = local_entries(page)
    assert entry["state"] == "attention" and "receipt_ref" in entry["errors"], entry

    page.goto(page.url.split("#")[0] + "#outbox")
    page.locator(f'li[data-id="{entry["id"]}"]').get_by_role("button", name="Fix and resend").click()
    save(page)
    fresh = shown_reference(page)
    assert fresh != taken and receipts.normalise(fresh) == fresh
    expect(outbox_count(page)).to_have_text("0", timeout=15000)
    assert server_encounter(server_app, entry["id"]).receipt_ref == fresh
