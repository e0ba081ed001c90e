"""axe-core finds nothing wrong on any screen: the officer app at 390 px and the web pages.

axe catches what a machine can (names, labels, contrast, roles, landmarks); what
it misses is tested where the behaviour lives (focus, announcements, the
error summary: tests/browser/test_shift_flows.py).
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.officer import open_form, sign_in_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = Axe()


def violations(page: Page) -> list[str]:
    """One line per rule broken on the page as it is now: the rule, its impact and where."""
    found = AXE.run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']][:5]}" for v in found]


def test_every_screen_of_the_officer_app(page, demo_server):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_server.url}/app")
    expect(page.get_by_test_id("signin-form")).to_be_visible()
    seen = {"sign-in": violations(page)}
    sign_in_app(page, demo_server)
    seen["home"] = violations(page)
    open_form(page, "Stop and search")
    seen["stop and search"] = violations(page)
    form = page.get_by_test_id("encounter-form")
    form.get_by_role("button", name=re.compile("^Save")).click()
    expect(form.locator(".error", has_text=re.compile(r"\S")).first).to_be_visible()
    seen["stop and search, refused"] = violations(page)
    open_form(page, "Other encounter")
    seen["other encounter"] = violations(page)
    open_form(page, "Postbox round")
    seen["postbox round"] = violations(page)
    page.goto(page.url.split("#")[0] + "#outbox")
    seen["outbox"] = violations(page)
    assert {screen: found for screen, found in seen.items() if found} == {}


@pytest.mark.parametrize("username, paths", [
    ("sergeant", ["/", "/review", "/exports", "/reports", "/reports/forum"]),
    ("admin", ["/admin", "/admin/users", "/admin/users/new", "/admin/postboxes", "/admin/postboxes/new",
               "/admin/reference", "/audit"]),
])
def test_every_web_page(page, demo_server, username, paths):
    page.goto(f"{demo_server.url}/login")
    seen = {"/login": violations(page)}
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(demo_server.demo_password())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    for path in paths:
        response = page.goto(f"{demo_server.url}{path}")
        assert response is not None and response.status == 200, path
        seen[path] = violations(page)
    assert {path: found for path, found in seen.items() if found} == {}
