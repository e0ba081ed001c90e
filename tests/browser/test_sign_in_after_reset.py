"""After an admin resets an officer's password, the phone's sign-in asks for a new one (real Chromium)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.accounts.operations import reset_password
from fieldapp.extensions import db
from fieldapp.models import User
from tests.browser.officer import set_pin

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEW = "my own new password"


def admin_resets(server_app, username: str) -> str:
    """What an admin's 'Reset password' does, on the server's database: the temporary password."""
    with server_app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        password, _ = reset_password(user)
        return password


def must_change(server_app, username: str) -> bool:
    with server_app.app_context():
        return db.session.scalar(select(User.must_change_password).where(User.username == username))


def test_the_phone_asks_for_a_new_password_after_a_reset(page, app_server, server_app):
    temporary = admin_resets(server_app, "officer1")
    page.goto(f"{app_server.url}/app")
    form = page.get_by_test_id("signin-form")
    expect(form.get_by_label("New password", exact=True)).to_have_count(0)  # not shown before the server asks
    form.get_by_label("Username").fill("officer1")
    form.get_by_label("Password", exact=True).fill(temporary)
    form.get_by_role("button", name="Sign in").click()

    # 403 password_change_required: the message, the two labelled fields, the focus on the first.
    expect(page.locator("#signin-error")).to_have_text("Your password was reset. Choose a new password to sign in.")
    new = form.get_by_label("New password", exact=True)
    again = form.get_by_label("New password again", exact=True)
    expect(new).to_be_visible()
    expect(again).to_be_visible()
    expect(new).to_be_focused()
    assert must_change(server_app, "officer1")

    # With the keyboard: a mismatch is caught on the phone, on the second field.
    page.keyboard.type(NEW)
    page.keyboard.press("Tab")
    expect(again).to_be_focused()
    page.keyboard.type("not the same password")
    page.keyboard.press("Enter")
    expect(form.locator('[data-field="new_password_again"] .error')).to_have_text(
        "The two new passwords are not the same.")
    expect(again).to_have_attribute("aria-invalid", "true")
    expect(again).to_be_focused()
    assert must_change(server_app, "officer1")

    # Too short: the server's rule, shown on the first field.
    new.fill("short")
    again.fill("short")
    again.press("Enter")
    expect(form.locator('[data-field="new_password"] .error')).to_contain_text("at least 10 characters")
    assert must_change(server_app, "officer1")

    # A good one, twice: signed in on the home screen, and no change is due any more.
    new.fill(NEW)
    again.fill("")
    again.press_sequentially(NEW)
    page.keyboard.press("Enter")
    set_pin(page)
    expect(page.locator("#screen-home")).to_be_visible()
    expect(page.get_by_role("heading", name="PC Amira Shah")).to_be_visible()
    assert not must_change(server_app, "officer1")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360

    # Signed out and in again with the new password: no new password asked for, the fields are gone.
    page.get_by_role("button", name="Sign out").click()
    expect(form).to_be_visible()
    expect(form.get_by_label("New password", exact=True)).to_have_count(0)
    form.get_by_label("Username").fill("officer1")
    form.get_by_label("Password", exact=True).fill(NEW)
    form.get_by_role("button", name="Sign in").click()
    set_pin(page)  # signing out erased the phone's store and its vault
    expect(page.locator("#screen-home")).to_be_visible()


def test_the_new_password_fields_fit_a_small_phone_and_pass_axe(page, app_server, server_app):
    temporary = admin_resets(server_app, "officer1")
    page.goto(f"{app_server.url}/app")
    form = page.get_by_test_id("signin-form")
    form.get_by_label("Username").fill("officer1")
    form.get_by_label("Password", exact=True).fill(temporary)
    form.get_by_label("Password", exact=True).press("Enter")
    new = form.get_by_label("New password", exact=True)
    expect(new).to_be_focused()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    for field in (new, form.get_by_label("New password again", exact=True)):
        box = field.bounding_box()
        assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 360
    found = Axe().run(page).response["violations"]
    assert [f"{v['id']}: {[node['target'] for node in v['nodes']][:5]}" for v in found] == []
