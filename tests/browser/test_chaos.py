"""Scenario 12: a random run of offline/online toggles, server restarts and reloads.

Whatever the order, the set of ids on the server at the end is the set the
phone created, each stored once. The runs are random but seeded, so a failure
can be replayed: the seed and the steps taken are in the assertion message.
"""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.officer import fill_stop_search, local_entries, outbox_count, reload_app, save, sign_in_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
STEPS = 16
ACTIONS = ("save", "save", "save", "network", "server", "reload", "send")


def server_ids(server_app) -> set[str]:
    """Every entry id the server holds (the whole database: the test's own)."""
    from fieldapp.extensions import db
    from fieldapp.models import Entry

    with server_app.app_context():
        ids = [str(i) for i in db.session.scalars(select(Entry.id))]
        db.session.remove()
    assert len(ids) == len(set(ids))
    return set(ids)


@pytest.mark.parametrize("seed", [12, 1012])
def test_12_random_toggles_restarts_and_reloads(page, app_server, server_app, seed):
    rng = random.Random(seed)
    sign_in_app(page, app_server)
    offline, up, saved, steps = False, True, 0, []
    for _ in range(STEPS):
        action = rng.choice(ACTIONS)
        steps.append(action)
        if action == "save":
            fill_stop_search(page, location=f"Rose Hill, stop {saved}")
            save(page)  # 'Saved on this phone': from here on it must reach the server once
            saved += 1
        elif action == "network":
            offline = not offline
            page.context.set_offline(offline)
        elif action == "server":  # restarted at the same address
            if up:
                app_server.stop()
            else:
                app_server.start()
            up = not up
        elif action == "reload":
            reload_app(page)
            expect(page.locator("#home-title")).not_to_have_text("fieldapp")  # the app has started
        else:
            page.get_by_test_id("sync-now").click()
    if offline:
        page.context.set_offline(False)
    if not up:
        app_server.start()
    page.get_by_test_id("sync-now").click()
    expect(outbox_count(page)).to_have_text("0", timeout=30000)
    created = {e["id"] for e in local_entries(page)}
    assert len(created) == saved, f"seed {seed}, steps {steps}"
    assert server_ids(server_app) == created, f"seed {seed}, steps {steps}"
