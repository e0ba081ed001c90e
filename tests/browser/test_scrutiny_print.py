"""The scrutiny pack (issue 15) in real headless Chromium against the real server: a sergeant draws a pack,
redacts each record's grounds (what looks like a name is marked), releases it, and prints it on A4: one
heading, the menus and buttons left off, the records starting on a page of their own and none split."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from fieldapp.demo import TEAM
from fieldapp.periods import local_today
from tests.browser.officer import push_as_officer
from tests.browser.test_axe import violations
from tests.factories import stop_search

pytestmark = [pytest.mark.browser, pytest.mark.slow]
GROUNDS = "Saw Kevin Bloggs take a small bag from his waistband and hand it over for cash by the bus shelter."
REDACTED = "Saw a man take a small bag from his waistband and hand it over for cash by [removed]."
A4_POINTS = (595, 842)


def test_a_pack_is_drawn_redacted_released_and_printed_with_its_heading_once(desk, app_server, server_app):
    with server_app.app_context():
        push_as_officer(server_app, app_server, [stop_search(grounds=GROUNDS, location_text="Outside 12 Quarry Lane")
                                                 for _ in range(3)])
    desk.goto(f"{app_server.url}/searches/scrutiny")
    # The searches happened 15 minutes ago: yesterday, just after midnight.
    today = local_today()
    desk.get_by_label("From (date, included)").fill(str(today - timedelta(days=1)))
    desk.get_by_label("To (date, included)").fill(str(today))
    desk.get_by_label("How many searches").fill("3")
    desk.get_by_role("button", name="Draw the pack").click()
    expect(desk.get_by_text(re.compile(r"Scrutiny pack \d+ drawn: 3 searches"))).to_be_visible()
    expect(desk.get_by_text("DRAFT: for supervisors, not for release")).to_be_visible()
    assert violations(desk) == []

    desk.get_by_role("link", name="Read and redact the grounds of record 1").click()
    for position in (1, 2, 3):
        expect(desk.get_by_role("heading", level=1)).to_contain_text(f"Record {position} of 3")
        expect(desk.locator("mark", has_text="Kevin")).to_be_visible()  # the name is pointed out
        if position == 1:
            assert violations(desk) == []
        grounds = desk.get_by_label("Grounds as the panel will read them")
        expect(grounds).to_have_value(GROUNDS)  # starts as the officer's text
        grounds.fill(REDACTED)
        desk.get_by_role("button", name="Save the redacted grounds").click()
        expect(desk.get_by_text(f"Record {position} saved.")).to_be_visible()
    desk.get_by_role("button", name="Release the pack to the panel").click()
    expect(desk.get_by_text(re.compile(r"Scrutiny pack \d+ released"))).to_be_visible()
    expect(desk.get_by_text("DRAFT")).to_have_count(0)
    expect(desk.locator(".scrutiny-grounds")).to_have_text([REDACTED] * 3)
    released = desk.content()
    assert "Kevin" not in released and "Quarry Lane" not in released
    assert f"<dt>Area</dt><dd>{TEAM}</dd>" in released  # the general area: the team's name

    desk.emulate_media(media="print")
    expect(desk.get_by_role("heading", level=1)).to_have_count(1)
    expect(desk.get_by_role("heading", name="Stop and search scrutiny pack")).to_be_visible()
    expect(desk.locator("header.top")).to_be_hidden()
    expect(desk.get_by_role("link", name="Back to scrutiny packs")).to_be_hidden()
    styles = desk.evaluate("""() => ({
        records: getComputedStyle(document.querySelector('.scrutiny-records')).breakBefore,
        each: [...document.querySelectorAll('.scrutiny-record')].map(r => getComputedStyle(r).breakInside),
    })""")
    assert styles == {"records": "page", "each": ["avoid"] * 3}

    pdf = desk.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    boxes = {tuple(round(float(n)) for n in box.split()[2:]) for box in
             re.findall(rb"/MediaBox \[([0-9. ]+)\]", pdf)}
    assert boxes == {A4_POINTS}  # every page A4, from the pack's own @page rule
    assert len(re.findall(rb"/Type /Page\b", pdf)) >= 2  # the figures, then the records on a page of their own
