"""The Content-Security-Policy (fieldapp/security.py) in real headless Chromium: the app works under it.

Every page is watched two ways for anything the policy refused: Chromium's console
('Refused to ... because it violates the following Content Security Policy directive')
and a ``securitypolicyviolation`` listener added before any of the page's own scripts
runs. The officer app signs in (its service worker installs), saves a stop and search
offline with a photo whose thumbnail shows, and sends both; the sergeant signs in, opens
the queue, the entry (its photo and its keyboard shortcuts) and the reports with their
charts: nothing refused. A deliberate inline style at the end proves the watch sees a
refusal when there is one (and that the policy is enforced, not merely sent).
"""

from __future__ import annotations

import base64
import json

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.officer import fill_stop_search, local_entries, outbox_count, save, sign_in_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WATCH = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.reportCspViolation(JSON.stringify({
    page: location.pathname, directive: event.violatedDirective, blocked: event.blockedURI,
    sample: event.sample, source: event.sourceFile, line: event.lineNumber,
  }));
});
"""

# A camera's picture, drawn and encoded as a JPEG by Chromium itself.
DRAW_PHOTO = """() => {
    const canvas = document.createElement('canvas');
    canvas.width = 1200; canvas.height = 900;
    const g = canvas.getContext('2d');
    g.fillStyle = '#8aa1b8'; g.fillRect(0, 0, 1200, 900);
    g.fillStyle = '#123'; g.font = '90px serif'; g.fillText('Rose Hill', 200, 450);
    return canvas.toDataURL('image/jpeg', 0.9).split(',')[1];
}"""


class Watch:
    """What the policy refused in one browser context: violation events and console messages."""

    def __init__(self, context: BrowserContext) -> None:
        self.events: list[dict] = []
        self.console: list[str] = []
        context.expose_function("reportCspViolation", lambda report: self.events.append(json.loads(report)))
        context.add_init_script(WATCH)

    def page(self, page: Page) -> Page:
        page.on("console", lambda message: self.console.append(message.text)
                if "Content Security Policy" in message.text else None)
        return page

    def seen(self) -> list:
        return [*self.events, *self.console]


@pytest.fixture
def photo_file(browser, tmp_path):
    """A real JPEG on disk, as a phone's camera hands it over."""
    page = browser.new_page()
    data = base64.b64decode(page.evaluate(DRAW_PHOTO))
    page.close()
    path = tmp_path / "IMG_0002.jpg"
    path.write_bytes(data)
    assert data[:3] == b"\xff\xd8\xff"
    return path


def test_the_officer_app_and_the_sergeants_pages_work_under_the_policy(browser, app_server, photo_file):
    # The officer's phone: sign in, the service worker installs and controls the page.
    phone_context = browser.new_context(viewport={"width": 390, "height": 844})
    phone_watch = Watch(phone_context)
    phone = phone_watch.page(phone_context.new_page())
    sign_in_app(phone, app_server)
    assert phone.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")

    # Offline: a stop and search with a photo, its thumbnail drawn from the blob the phone keeps.
    phone_context.set_offline(True)
    fill_stop_search(phone)
    form = phone.get_by_test_id("encounter-form")
    form.locator(".photo-input").set_input_files(photo_file)
    thumbnail = form.get_by_test_id("photo-list").locator("li img")
    expect(thumbnail).to_have_count(1)
    expect(thumbnail).to_be_visible()
    assert thumbnail.get_attribute("src").startswith("blob:")
    phone.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle(),
                            timeout=10000)
    save(phone)
    [entry] = local_entries(phone)
    expect(outbox_count(phone)).to_have_text("2")  # the stop and its photo

    # Back online: both are sent.
    phone_context.set_offline(False)
    phone.get_by_test_id("sync-now").click()
    expect(outbox_count(phone)).to_have_text("0")
    assert phone_watch.seen() == []

    # The sergeant: sign in, the queue, the entry with its photo and keyboard shortcuts, the reports.
    desk_context = browser.new_context(viewport={"width": 1280, "height": 800})
    desk_watch = Watch(desk_context)
    desk = desk_watch.page(desk_context.new_page())
    signed_out = desk.goto(f"{app_server.url}/login")
    assert "frame-ancestors 'none'" in signed_out.headers["content-security-policy"]
    desk.get_by_label("Username").fill("sergeant")
    desk.get_by_label("Password").fill(app_server.demo_password())
    desk.get_by_role("button", name="Sign in").click()
    expect(desk.get_by_role("button", name="Sign out")).to_be_visible()

    queue = desk.goto(f"{app_server.url}/review")
    assert queue.status == 200 and queue.headers["cache-control"] == "no-store"
    expect(desk.locator(f'a[href*="{entry["id"]}"]').first).to_be_visible()

    page = desk.goto(f"{app_server.url}/review/{entry['id']}")
    assert page.status == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    image = desk.locator("img[alt='Photo 1 of this entry']")
    expect(image).to_be_visible()
    desk.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=10000)
    desk.keyboard.press("f")  # review-keys.js: chooses 'further information' and moves to the comment
    expect(desk.get_by_label("Comment")).to_be_focused()

    for path in ("/reports", "/reports/forum"):
        report = desk.goto(f"{app_server.url}{path}")
        assert report.status == 200
        expect(desk.locator("svg.chart").first).to_be_visible()
    assert desk_watch.seen() == []
    assert phone_watch.seen() == []

    # The watch works and the policy is enforced: an inline style attribute is refused and reported.
    desk.evaluate("document.body.setAttribute('style', 'background: red')")
    assert desk.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(255, 0, 0)"
    deadline = desk.evaluate("Date.now()") + 5000
    while not desk_watch.events and desk.evaluate("Date.now()") < deadline:
        desk.wait_for_timeout(100)
    assert [event["directive"] for event in desk_watch.events] == ["style-src-attr"]
    assert any("Content Security Policy" in text for text in desk_watch.console)

    desk_context.close()
    phone_context.close()
