"""When the officer app tries again after a failed sync: full jitter, and never before Retry-After.

The sync module is imported into the real page (the very instance the app
uses), and Math.random and the long timers are stubbed in the page, so nothing
here waits on the clock: a recorded timer is fired by the test.
"""

from __future__ import annotations

import email.utils
import time

import pytest
from playwright.sync_api import expect

from tests.browser.officer import fill_stop_search, local_entries, outbox_count, save, sign_in_app, stored_ids

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Long timers (a second or more: the sync's retry) are recorded instead of set; short ones
# (drafts, the app's own small waits) and the idle lock's run as usual. clearTimeout forgets a recorded one.
RECORD_TIMERS = """() => {
    const setReal = window.setTimeout.bind(window);
    const clearReal = window.clearTimeout.bind(window);
    const timers = new Map();
    const idleLock = Number(document.body.dataset.idleLockMinutes) * 60000;
    let next = 1e9;
    window.__timers = timers;
    window.setTimeout = (fn, delay = 0, ...args) => {
        if (delay < 1000 || delay === idleLock) return setReal(fn, delay, ...args);
        next += 1;
        timers.set(next, { fn, delay });
        return next;
    };
    window.clearTimeout = (id) => { timers.delete(id); clearReal(id); };
    Math.random = () => 0;  // no jitter: the delay is the larger of 0 and Retry-After
}"""
TIMER_DELAYS = "() => [...window.__timers.values()].map((t) => t.delay)"
FIRE_TIMER = "async () => { const [[id, t]] = [...window.__timers]; window.__timers.delete(id); await t.fn(); }"


def test_backoff_draws_uniformly_from_zero_to_the_ceiling(page_without_worker, app_server):
    page = page_without_worker
    page.goto(f"{app_server.url}/app")
    drawn = page.evaluate("""async () => {
        const { backoff } = await import('/app/static/js/sync.js');
        const real = Math.random;
        const at = (r, failures) => { Math.random = () => r; try { return backoff(failures); } finally { Math.random = real; } };
        const stubbed = [];
        for (let failures = 0; failures <= 12; failures += 1) {
            stubbed.push([at(0, failures), at(0.25, failures), at(0.5, failures), at(1 - 1e-12, failures)]);
        }
        const draws = Array.from({ length: 4000 }, () => backoff(3));
        return { stubbed, draws };
    }""")
    for failures, (low, quarter, half, high) in enumerate(drawn["stubbed"]):
        ceiling = min(5 * 60 * 1000, 2000 * 2 ** failures)
        assert (low, quarter, half, high) == (0, round(ceiling / 4), round(ceiling / 2), ceiling), failures
    # Unstubbed: the draws cover [0, 16 s], both halves about equally.
    draws = drawn["draws"]
    assert 0 <= min(draws) < 800 and 15200 < max(draws) <= 16000
    assert 0.45 < sum(d < 8000 for d in draws) / len(draws) < 0.55


def test_retry_after_is_read_as_seconds_or_an_http_date(page_without_worker, app_server):
    page = page_without_worker
    page.goto(f"{app_server.url}/app")
    now = 1_790_000_000_000  # ms since the epoch, given to the parser as the phone's clock
    date = lambda offset_s: email.utils.formatdate(now / 1000 + offset_s, usegmt=True)  # noqa: E731
    cases = {
        "120": 120_000, " 7 ": 7_000, "0": 0, date(90): 90_000, date(-30): 0,
        "86400": 3_600_000, date(86400): 3_600_000,  # an hour at most
        "": None, "soon": None, "-5": None, "1.5": None, "Thursday": None, "2026-12-01T10:00:00Z": None,
    }
    parsed = page.evaluate("""async ([values, now]) => {
        const { retryAfterMs } = await import('/app/static/js/sync.js');
        return values.map((value) => retryAfterMs(value, now));
    }""", [list(cases), now])
    assert dict(zip(cases, parsed)) == cases
    assert page.evaluate("import('/app/static/js/sync.js').then((m) => m.retryAfterMs(null))") is None


@pytest.mark.parametrize(("status", "retry_after", "least_s", "most_s"), [
    (503, lambda: "120", 120, 120),
    (429, lambda: email.utils.formatdate(time.time() + 91, usegmt=True), 85, 91),
])
def test_a_retry_after_holds_every_automatic_try(page_without_worker, app_server, server_app,
                                                 status, retry_after, least_s, most_s):
    """A 503 or 429 with Retry-After: the next try is timed for its end, and nothing automatic goes sooner."""
    page = page_without_worker
    sign_in_app(page, app_server, worker=False)
    pushes = []

    def refuse(route):
        pushes.append(route.request.url)
        route.fulfill(status=status, content_type="application/json", headers={"Retry-After": retry_after()},
                      body='{"error": "busy", "message": "Busy."}')

    page.route("**/api/sync/push", refuse)
    page.evaluate(RECORD_TIMERS)
    fill_stop_search(page)
    save(page)  # a save tries at once: refused
    expect(page.locator("#sync-status")).to_contain_text(f"The server answered {status}.")
    [delay] = page.evaluate(TIMER_DELAYS)
    assert least_s * 1000 <= delay <= most_s * 1000
    assert len(pushes) == 1

    # The automatic triggers come and go without a request: the server asked for a pause.
    page.evaluate("""async () => {
        window.dispatchEvent(new Event('online'));
        document.dispatchEvent(new Event('visibilitychange'));
        await window.fieldapp.trySync();  // the function every trigger calls: it waits for a try it starts
    }""")
    assert len(pushes) == 1 and page.evaluate(TIMER_DELAYS) == [delay]

    # Send now is the officer's own choice: it tries at once (and is refused again).
    page.evaluate("document.getElementById('sync-status').textContent = ''")
    page.get_by_test_id("sync-now").click()
    expect(page.locator("#sync-status")).to_contain_text("Next try in")
    assert len(pushes) == 2 and len(page.evaluate(TIMER_DELAYS)) == 1 and outbox_count(page).inner_text() == "1"

    # The pause over, the timer's try goes through.
    page.unroute("**/api/sync/push")
    page.evaluate(FIRE_TIMER)
    expect(outbox_count(page)).to_have_text("0")
    [entry] = local_entries(page)
    assert entry["state"] == "sent" and stored_ids(server_app, [entry["id"]]) == [entry["id"]]
