"""The sergeant's queue (issue 12) in real headless Chromium at 1280x800, against the real server.

After sign-in the sergeant lands on the queue opened on what waits; the filters, the counts and
at least eight rows are on the first screen, no filter control overlaps another, and axe finds
nothing wrong on the queue. On a narrow screen the less-used filters fold under 'More filters'.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.officer import push_as_officer
from tests.browser.test_axe import violations
from tests.factories import encounter, stop_search

pytestmark = [pytest.mark.browser, pytest.mark.slow]
WIDTH, HEIGHT = 1280, 800
GROUNDS = ("Saw him take a small bag from his waistband and hand it over in exchange for cash by the "
           "bus shelter; strong smell of cannabis when spoken to.")


@pytest.fixture
def waiting(app_server, server_app) -> list[dict]:
    """Twelve unreviewed entries by officer1 pushed through the sync API, the first three received 4 days ago."""
    from sqlalchemy import update

    from fieldapp.extensions import db
    from fieldapp.models import Entry

    entries = [stop_search(grounds=GROUNDS) if n % 2 else encounter("asb", notes=f"Group on the green, call {n}")
               for n in range(12)]
    with server_app.app_context():
        push_as_officer(server_app, app_server, entries)
        long_ago = datetime.now(UTC) - timedelta(days=4)
        db.session.execute(update(Entry).where(Entry.id.in_([uuid.UUID(e["id"]) for e in entries[:3]]))
                           .values(received_at=long_ago))
        db.session.commit()
        db.session.remove()
    return entries


def sign_in(page: Page, server) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill("sergeant")
    page.get_by_label("Password").fill(server.demo_password())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def overlaps(a: dict, b: dict) -> bool:
    """Whether two rectangles share any area."""
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def test_the_sergeant_lands_on_a_queue_that_fits_the_first_screen(browser, app_server, waiting):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    page = context.new_page()
    sign_in(page, app_server)
    assert re.search(r"/review$", page.url), page.url
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(12)
    # Oldest first: the three received four days ago lead, and say they are overdue.
    expect(rows.first).to_contain_text("Overdue")
    expect(page.locator(".review-desk")).to_contain_text("oldest waiting: 4 days")

    controls = page.locator(".review-filters").locator("input, select, button")
    rects = [box for box in (controls.nth(n).bounding_box() for n in range(controls.count())) if box]
    assert len(rects) >= 14  # every filter is shown at this width, none folded away
    for n, rect in enumerate(rects):
        assert rect["y"] + rect["height"] <= HEIGHT, f"filter control {n} below the fold: {rect}"
        for m, other in enumerate(rects[n + 1:], n + 1):
            assert not overlaps(rect, other), f"filter controls {n} and {m} overlap: {rect} {other}"
    labels = page.locator(".review-filters label")
    for n in range(labels.count()):
        assert labels.nth(n).is_visible(), labels.nth(n).inner_text()
    bottoms = page.evaluate("""() => [...document.querySelectorAll('[data-testid="queue-row"]')]
                               .map(row => row.getBoundingClientRect().bottom)""")
    assert sum(bottom <= HEIGHT for bottom in bottoms) >= 8, bottoms
    counts = page.locator(".review-desk").bounding_box()
    assert counts["y"] + counts["height"] <= HEIGHT and counts["height"] < 60  # one line

    assert violations(page) == []
    context.close()


def test_on_narrow_screens_the_less_used_filters_fold_away(browser, app_server, waiting):
    context = browser.new_context(viewport={"width": 800, "height": 800})
    page = context.new_page()
    sign_in(page, app_server)
    more = page.locator("details.more-filters")
    expect(more.locator("summary")).to_be_visible()
    expect(page.get_by_label("Topic")).to_be_hidden()
    expect(page.get_by_label("Review state")).to_be_visible()
    more.locator("summary").click()
    expect(page.get_by_label("Topic")).to_be_visible()
    assert violations(page) == []
    # On a phone the queue (twelve rows) is read down the screen, never sideways.
    page.set_viewport_size({"width": 360, "height": 740})
    expect(page.get_by_test_id("queue-row")).to_have_count(12)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # A less-used filter in use: the fold opens by itself.
    page.goto(f"{app_server.url}/review?urgency=priority")
    expect(page.get_by_label("Urgency")).to_be_visible()
    context.close()
