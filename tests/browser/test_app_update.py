"""Scenario 7: a new version of the app is deployed while drafts and an outbox exist."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.officer import (
    fill_stop_search, load_draft, local_entries, open_form, outbox_count, save, sign_in_app, stored_ids, unlock,
    wait_for_draft,
)
from tests.fixtures.app import fresh_database
from tests.servers import ServerProcess, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DRAFT = "Half-typed grounds when the update arrived"


def test_7_update_keeps_drafts_and_outbox(page, postgres_url, tmp_path):
    port = free_port()
    with fresh_database(postgres_url, tmp_path) as url:
        server = ServerProcess(url, tmp_path / "instance", "--demo", port=port, env={"FIELDAPP_RELEASE": "1"})
        server.start()
        try:
            sign_in_app(page, server)
            old_version = page.locator("body").get_attribute("data-version")
            server.stop()  # no server for a while: the entry stays in the outbox
            fill_stop_search(page)
            save(page)
            expect(outbox_count(page)).to_have_text("1")
            page.get_by_test_id("encounter-form").locator('[name="grounds"]').fill(DRAFT)
            wait_for_draft(page, "grounds", DRAFT)
            [entry] = local_entries(page)
        finally:
            server.stop()
        # The new release goes live at the same address.
        server = ServerProcess(url, tmp_path / "instance", "--demo", port=port, env={"FIELDAPP_RELEASE": "2"})
        server.start()
        try:
            page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
            expect(page.locator("#banner-update")).to_be_visible(timeout=15000)
            # Nothing changes until the officer accepts.
            assert page.locator("body").get_attribute("data-version") == old_version
            page.get_by_role("button", name="Update now").click()
            page.wait_for_function(f"() => document.body && document.body.dataset.version !== '{old_version}'")
            unlock(page)  # the reload dropped the data key: the PIN again
            assert [e["id"] for e in local_entries(page)] == [entry["id"]]
            # Only typing was written as a draft: not the forms the officer never typed in.
            assert [load_draft(page, "visit"), load_draft(page, "item")] == [None, None]
            open_form(page, "Stop and search")
            expect(page.get_by_test_id("encounter-form").locator('[name="grounds"]')).to_have_value(DRAFT)
            page.get_by_test_id("sync-now").click()
            expect(outbox_count(page)).to_have_text("0", timeout=15000)
            from fieldapp import create_app
            from fieldapp.extensions import db

            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(tmp_path / "instance")})
            assert stored_ids(app, [entry["id"]]) == [entry["id"]]
            with app.app_context():
                db.engine.dispose()
        finally:
            server.stop()
