"""A newcomer signs in as the demo officer and the demo supervisor in a real browser."""

import pytest
from playwright.sync_api import expect

from tests.browser.officer import set_pin

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def sign_in(page, base_url, username, password):
    page.goto(f"{base_url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_demo_supervisor_signs_in_and_out(page, demo_server):
    sign_in(page, demo_server.url, "sergeant", demo_server.demo_password())
    # A supervisor lands on the work: the review queue, their name and role in the header.
    expect(page).to_have_url(f"{demo_server.url}/review")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    expect(page.locator("header .who")).to_contain_text("PS Jo Hughes")
    expect(page.locator("header .who")).to_contain_text("Supervisor")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"{demo_server.url}/")
    expect(page).to_have_url(f"{demo_server.url}/login?next=%2F")


def test_demo_officer_signs_in_and_lands_in_the_app(page, demo_server):
    sign_in(page, demo_server.url, "officer1", demo_server.demo_password())
    expect(page).to_have_url(f"{demo_server.url}/app")
    # The app signs its phone in with a device token of its own.
    page.get_by_label("Username").fill("officer1")
    page.get_by_label("Password").fill(demo_server.demo_password())
    page.get_by_role("button", name="Sign in").click()
    set_pin(page)  # the phone's first sign-in: a PIN for its encrypted store
    expect(page.get_by_role("heading", name="PC Amira Shah")).to_be_visible()
    expect(page.get_by_test_id("outbox-count")).to_have_text("0")


def test_wrong_password_shows_the_message_on_the_form(page, demo_server):
    sign_in(page, demo_server.url, "officer1", "not the password")
    expect(page.get_by_role("alert")).to_contain_text("do not match an active account")


def test_sign_in_works_with_the_keyboard_at_360px(page, demo_server):
    page.goto(f"{demo_server.url}/login")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("sergeant")
    page.keyboard.press("Tab")
    page.keyboard.type(demo_server.demo_password())
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    box = page.get_by_role("button", name="Sign out").bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
