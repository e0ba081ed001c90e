"""The sergeant's entry page (issue 12) in real headless Chromium at 1280x800, against the real server.

What is decided on is on the first screen (a stop and search's grounds and the decision form's
button); the keyboard decides (A approves at once; R returns, the reason typed, Ctrl+Enter sends);
a refused decision answers a page that opens at the form, with the message at the comment and a
summary; axe finds nothing wrong on the page, before or after a refusal.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.officer import push_as_officer
from tests.browser.test_axe import violations
from tests.factories import stop_search

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDTH, HEIGHT = 1280, 800
GROUNDS = ("Saw him take a small bag from his waistband and hand it over in exchange for cash by the "
           "bus shelter; strong smell of cannabis when spoken to; he gave two different names.")


@pytest.fixture
def waiting(app_server, server_app):
    """Factory: stop and searches by officer1, pushed from a signed-in phone through the sync API, unreviewed."""
    def push(count: int = 1, **data) -> list[dict]:
        entries = [stop_search(grounds=GROUNDS, **data) for _ in range(count)]
        with server_app.app_context():
            push_as_officer(server_app, app_server, entries)
        return entries

    return push


def decisions(server_app, entry: dict) -> list[tuple[str, str | None]]:
    """The decisions recorded on an entry, oldest first: (decision, comment)."""
    from sqlalchemy import select

    from fieldapp.extensions import db
    from fieldapp.models import Review

    with server_app.app_context():
        rows = db.session.execute(select(Review.decision, Review.comment)
                                  .where(Review.entry_id == uuid.UUID(entry["id"])).order_by(Review.id)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def open_entry(page: Page, server, entry: dict) -> None:
    response = page.goto(f"{server.url}/review/{entry['id']}")
    assert response is not None and response.status == 200
    expect(page.get_by_role("button", name="Record decision")).to_be_visible()


def bottom(page: Page, locator) -> float:
    """How far down the page (in CSS px, from the top of the document) ``locator`` ends."""
    box = locator.bounding_box()
    assert box is not None
    return box["y"] + box["height"] + page.evaluate("window.scrollY")


def test_the_grounds_and_the_decision_are_on_the_first_screen(desk, app_server, waiting):
    [entry] = waiting(location_text="Outside 12 Rose Hill", bwv_footage_ref="BWV-2211-07", notes="Calm throughout.",
                      vehicle_registration="AB12 CDE", operation_name="Op Lantern")
    open_entry(desk, app_server, entry)
    assert desk.evaluate("window.scrollY") == 0
    grounds = desk.locator('[data-field="grounds"]')
    expect(grounds).to_have_text(GROUNDS)
    assert bottom(desk, grounds) <= HEIGHT
    assert bottom(desk, desk.get_by_role("button", name="Record decision")) <= HEIGHT
    expect(desk.get_by_text("Keys: A approve")).to_be_visible()
    # The fields not recorded are folded, counted, and open on demand.
    folded = desk.locator("details", has_text="Not recorded (1)")
    expect(folded.locator('[data-field="bwv_reason_not_used"]')).to_be_hidden()
    folded.locator("summary").click()
    expect(folded.locator('[data-field="bwv_reason_not_used"]')).to_have_text("Not recorded")
    assert violations(desk) == []


def test_a_approves_at_once_and_r_returns_with_the_reason_typed(desk, app_server, server_app, waiting):
    first, second = waiting(2)
    open_entry(desk, app_server, first)
    # Not with a modifier: Ctrl+A stays the browser's (select all).
    desk.keyboard.press("Control+a")
    desk.keyboard.press("Alt+a")
    expect(desk.get_by_label("Approved")).not_to_be_checked()
    with desk.expect_navigation():
        desk.keyboard.press("a")
    expect(desk.get_by_text("Decision recorded: Approved.")).to_be_visible()
    assert [decision for decision, _ in decisions(server_app, first)] == ["approved"]

    open_entry(desk, app_server, second)
    desk.keyboard.press("r")
    comment = desk.get_by_label("Comment")
    expect(comment).to_be_focused()
    expect(desk.get_by_label("Returned to the officer")).to_be_checked()
    reason = "Say when you saw the exchange, and add the footage reference."  # 'a' and 'f' typed, not shortcuts
    desk.keyboard.type(reason)
    expect(comment).to_have_value(reason)
    assert decisions(server_app, second) == []
    with desk.expect_navigation():
        desk.keyboard.press("Control+Enter")
    expect(desk.get_by_text("Decision recorded: Returned to the officer.")).to_be_visible()
    assert decisions(server_app, second) == [("returned", reason)]


def test_a_return_without_a_reason_is_refused_at_the_form(desk, app_server, server_app, waiting):
    [entry] = waiting()
    open_entry(desk, app_server, entry)
    desk.keyboard.press("r")
    expect(desk.get_by_label("Comment")).to_be_focused()
    with desk.expect_navigation() as refused:
        desk.keyboard.press("Control+Enter")
    assert refused.value is not None and refused.value.status == 400
    assert desk.url.endswith("#decide")
    expect(desk.get_by_role("alert")).to_be_focused()
    summary = desk.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_in_viewport()
    message = desk.locator("#comment-error")
    expect(message).to_have_text("Say what the officer should change when returning an entry.")
    expect(message).to_be_in_viewport()
    expect(desk.get_by_label("Comment")).to_be_in_viewport()
    expect(desk.get_by_role("button", name="Record decision")).to_be_in_viewport(ratio=1)
    # The summary's link takes the reader to the comment box.
    summary.get_by_role("link").click()
    expect(desk.get_by_label("Comment")).to_be_focused()
    assert decisions(server_app, entry) == []
    assert violations(desk) == []


def test_from_the_queue_each_decision_opens_the_next_waiting_entry_until_none_is_left(desk, app_server, server_app, waiting):
    """A sergeant's session: the queue, then decide and move on by keyboard, until the list is empty."""
    entries = waiting(3)
    desk.goto(f"{app_server.url}/review")
    expect(desk.get_by_test_id("queue-row")).to_have_count(3)
    desk.get_by_test_id("queue-row").first.get_by_role("link").first.click()
    seen = []
    for n, key in enumerate(["a", "f", "a"]):
        expect(desk.get_by_role("button", name="Record decision")).to_be_visible()
        seen.append(desk.url.split("/review/")[1].split("?")[0].split("#")[0])
        expect(desk.get_by_text(f"1 of {3 - n} waiting")).to_be_visible()  # the one decided leaves the list
        with desk.expect_navigation():
            if key == "f":
                desk.keyboard.press("f")
                expect(desk.get_by_label("Comment")).to_be_focused()
                desk.keyboard.press("Control+Enter")  # a flag needs no reason
            else:
                desk.keyboard.press("a")
        if n < 2:
            expect(desk.locator(".flash")).to_contain_text("Next:")
    # None left: back on the list, which says so.
    expect(desk.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(desk.locator(".flash")).to_contain_text("Nothing else waiting in this list.")
    expect(desk.get_by_test_id("queue-row")).to_have_count(0)
    assert sorted(seen) == sorted(e["id"] for e in entries)  # each entry opened once, none twice
    assert [decisions(server_app, {"id": i}) for i in seen] == [[("approved", None)], [("flagged", None)], [("approved", None)]]
