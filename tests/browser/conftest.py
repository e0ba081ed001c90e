"""Real headless Chromium (Debian's, driven by Playwright) against the real server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.fixtures.app import fresh_database
from tests.fixtures.chromium import CHROMIUM_ARGS, chromium_path
from tests.servers import ServerProcess


@pytest.fixture(scope="session")
def playwright_instance():
    """One Playwright driver for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def browser(playwright_instance):
    """A fresh headless Chromium per test.

    One browser shared by many tests went wrong here: after a dozen contexts
    with offline emulation and service workers, a new context's worker could
    hang in install. A process per test keeps every test's start clean.
    """
    browser = playwright_instance.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    """A fresh page in a fresh context (no cookies, no storage), phone-sized."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page_without_worker(browser):
    """A phone-sized page whose requests Playwright can always intercept (service workers blocked).

    Requests that pass through a service worker are not reliably seen by
    page.route(); tests of the sync client's error handling use this page.
    """
    context = browser.new_context(viewport={"width": 360, "height": 740}, service_workers="block")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo_server(empty_database_url, tmp_path) -> Iterator[ServerProcess]:
    """``fieldapp serve --demo`` on a free port, on the test's database."""
    with ServerProcess(empty_database_url, tmp_path / "instance", "--demo") as server:
        yield server


@pytest.fixture
def app_server(postgres_url, tmp_path_factory) -> Iterator[ServerProcess]:
    """A demo server (with an access log, for the offline canary) of the test's own, on a fresh database.

    (A server shared by a module's tests once stopped serving after about ten
    tests: its access log filled the output pipe, which ServerProcess read only
    at start-up. It now reads it all the time; see tests/test_servers.py.)
    """
    directory = tmp_path_factory.mktemp("app-server")
    with fresh_database(postgres_url, directory) as url:
        with ServerProcess(url, directory / "instance", "--demo", "--access-log") as server:
            server.database_url = url
            yield server
            if os.environ.get("FIELDAPP_DEBUG_SERVER"):
                server._read(0.5)
                print(server.output[-6000:])


@pytest.fixture
def server_app(app_server):
    """A Flask app on the server's database, for looking at (and reviewing) what it stored."""
    from fieldapp import create_app
    from fieldapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": app_server.database_url,
                      "INSTANCE_PATH": str(app_server.env["FIELDAPP_INSTANCE_PATH"])})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def desk(browser, app_server):
    """The demo sergeant signed in at a 1280x800 desk screen (its own browser context)."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{app_server.url}/login")
    page.get_by_label("Username").fill("sergeant")
    page.get_by_label("Password").fill(app_server.demo_password())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    yield page
    context.close()
