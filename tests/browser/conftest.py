"""Real headless Chromium (Debian's, driven by Playwright) against the real server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.servers import ServerProcess

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str:
    """Debian's Chromium; Playwright cannot download its own browser here."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("Chromium is missing: `make test` installs it (as root), "
                    "or run `sudo apt-get install chromium`.", pytrace=False)
    return path


@pytest.fixture(scope="session")
def playwright_instance():
    """One Playwright driver for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    """One headless Chromium for the session; tests get fresh contexts."""
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
def demo_server(empty_database_url, tmp_path) -> Iterator[ServerProcess]:
    """``fieldapp serve --demo`` on a free port, on the test's database."""
    with ServerProcess(empty_database_url, tmp_path / "instance", "--demo") as server:
        yield server
