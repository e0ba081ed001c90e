"""Driving the officer app in Chromium: signing in, filling forms, going offline."""

from __future__ import annotations

import json
import re
import uuid

from playwright.sync_api import Page, expect

from tests.factories import GROUNDS


#: The PIN every test phone is given at its first sign-in (6 digits, no run or repeat).
TEST_PIN = "260817"


def sign_in_app(page: Page, server, username: str = "officer1", worker: bool = True) -> None:
    """Open /app, sign the phone in, set its PIN, and wait until the service worker controls the page."""
    page.goto(f"{server.url}/app")
    form = page.get_by_test_id("signin-form")
    form.get_by_label("Username").fill(username)
    form.get_by_label("Password").fill(server.demo_password())
    form.get_by_role("button", name="Sign in").click()
    try:
        expect(page.locator("#screen-pin")).to_be_visible()
    except AssertionError:
        raise AssertionError(f"not signed in: {page.locator('#signin-error').inner_text()!r}") from None
    set_pin(page)
    expect(page.locator("#screen-home")).to_be_visible()
    if worker:
        try:
            page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)
        except Exception:
            import urllib.request
            try:
                health = urllib.request.urlopen(f"{server.url}/healthz", timeout=5).status
            except OSError as exc:
                health = exc
            raise AssertionError(f"no service worker; server health: {health}; "
                                 f"{page.evaluate('navigator.serviceWorker.getRegistrations().then(r => r.map(x => [x.active && x.active.state, x.installing && x.installing.state, x.waiting && x.waiting.state]))')}") from None
    expect(page.locator("#sync-status")).to_have_text(re.compile("Everything is on the server|All sent"))


def set_pin(page: Page, pin: str = TEST_PIN) -> None:
    """Type a new PIN twice on the PIN screen and set it."""
    form = page.get_by_test_id("pin-form")
    form.get_by_label("New PIN (at least 6 digits)").fill(pin)
    form.get_by_label("New PIN again").fill(pin)
    form.get_by_role("button", name="Set PIN").click()
    expect(page.locator("#screen-pin")).to_be_hidden()


def unlock(page: Page, pin: str = TEST_PIN) -> None:
    """The app after a reload or an idle lock asks for the PIN: type it and wait for the app."""
    form = page.get_by_test_id("unlock-form")
    form.get_by_label("PIN", exact=True).fill(pin)
    form.get_by_role("button", name="Unlock").click()
    expect(page.locator("#screen-unlock")).to_be_hidden(timeout=10000)


def reload_app(page: Page, pin: str = TEST_PIN) -> None:
    """Reload the page (the app starts locked) and unlock it."""
    page.reload()
    unlock(page, pin)


def open_form(page: Page, link: str) -> None:
    page.goto(page.url.split("#")[0] + "#home")
    page.get_by_role("link", name=link).click()
    # The new screen is shown, and its heading focused, in one step: after it nothing takes the focus back.
    expect(page.locator("#screen-home")).to_be_hidden()


def fill_stop_search(page: Page, grounds: str = GROUNDS, location: str = "Outside the Co-op, Rose Hill") -> None:
    """The quick path: defaults plus the few choices the law needs."""
    open_form(page, "Stop and search")
    form = page.get_by_test_id("encounter-form")
    form.locator('[name="location_text"]').fill(location)
    form.locator('[name="legislation"]').select_option("Misuse of Drugs Act 1971 (section 23)")
    form.locator('[name="object_of_search"]').select_option("Controlled drugs")
    form.locator('[name="grounds"]').fill(grounds)
    form.locator('[name="self_defined_ethnicity"]').select_option("Other ethnic group - Not stated")
    form.locator('[data-field="outcome"]').get_by_text("No further action").click()
    form.locator('[data-field="outcome_linked_to_object_of_search"]').get_by_text("No", exact=True).click()


def save(page: Page, test_id: str = "encounter-form") -> None:
    """Press save and wait for the promise the officer relies on."""
    form = page.get_by_test_id(test_id)
    form.get_by_role("button", name=re.compile("^Save")).click()
    try:
        expect(form.locator(".saved")).to_have_text("Saved on this phone")
    except AssertionError:
        errors = [t for t in form.locator(".error").all_inner_texts() if t.strip()]
        raise AssertionError(f"not saved; the form shows: {errors}") from None


def outbox_count(page: Page):
    return page.get_by_test_id("outbox-count")


def local_entries(page: Page) -> list[dict]:
    """The entries in the phone's IndexedDB, read through the app's own module."""
    return page.evaluate("""async () => {
        const m = await import('/app/static/js/outbox.js');
        return m.entriesOf('officer1');
    }""")


def load_draft(page: Page, form: str = "encounter") -> dict | None:
    """The officer's draft of one form (``encounter``, ``visit`` or ``item``), read through the app's module."""
    return page.evaluate("""async (form) => {
        const m = await import('/app/static/js/outbox.js');
        return m.loadDraft('officer1', form);
    }""", form)


def wait_for_draft(page: Page, field: str, value: str, form: str = "encounter") -> None:
    """Wait until the form's draft holds ``value`` in ``field`` (drafts are written a moment after typing)."""
    wait_until(page, """async () => {
        const m = await import('/app/static/js/outbox.js');
        const draft = await m.loadDraft('officer1', %s);
        return !!draft && draft.data[%s] === %s;
    }""" % (json.dumps(form), json.dumps(field), json.dumps(value)))


def stored_ids(server_app, ids) -> list[str]:
    """Which of ``ids`` the server has stored (each at most once: the id is the primary key)."""
    from sqlalchemy import select

    from fieldapp.extensions import db
    from fieldapp.models import Entry

    with server_app.app_context():
        rows = db.session.scalars(select(Entry.id).where(Entry.id.in_([uuid.UUID(i) for i in ids]))).all()
        db.session.remove()
    return sorted(str(r) for r in rows)


def requests_seen(server, prefix: str = "/") -> int:
    """How many requests (to paths starting with ``prefix``) the server has logged so far, this function's own aside.

    It reads gunicorn's access log. It sends a request of its own and waits
    for that line (one more probe line than before: the log writes query
    values as [redacted], so probes look alike): the requests the server
    answered before it are logged by then, with no sleeping.
    """
    import urllib.request

    line = '"GET /healthz?probe=[redacted] '
    before = server.output.count(line)
    with urllib.request.urlopen(server.url + f"/healthz?probe={uuid.uuid4().hex}", timeout=10) as response:
        response.read()
    assert server.wait_for_count(line, before + 1), "the server did not log a request"
    paths = re.findall(r'"(?:GET|POST|PUT|DELETE|HEAD) (\S+)', server.output)
    return sum(1 for path in paths if "?probe=" not in path and path.startswith(prefix))


def wait_until(page: Page, script: str, timeout: float = 10.0) -> object:
    """Evaluate an async ``script`` until it returns something truthy (polling against a deadline)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script)
        if value or time.monotonic() > deadline:
            assert value, f"still false after {timeout}s: {script}"
            return value
        page.wait_for_timeout(100)


def push_as_officer(server_app, server, entries: list[dict], username: str = "officer1") -> None:
    """Push ``entries`` as a phone of ``username`` would, through the sync API (in-process, on the
    server's database); every one must be stored. The caller's app context stays open."""
    from fieldapp.extensions import db

    phone = server_app.test_client()
    signed_in = phone.post("/api/auth/token", json={
        "username": username, "password": server.demo_password(), "device_name": "Phone"})
    assert signed_in.status_code == 201, signed_in.get_json()
    response = phone.post("/api/sync/push", json={"entries": entries},
                          headers={"Authorization": f"Bearer {signed_in.get_json()['token']}"})
    assert response.status_code == 200, response.get_json()
    assert not [r for r in response.get_json()["results"] if "errors" in r], response.get_json()
    db.session.remove()


def server_encounter(server_app, entry_id: str):
    """The server's stored content of encounter ``entry_id`` (detached), or None."""
    import uuid

    from fieldapp.extensions import db
    from fieldapp.models import Encounter

    with server_app.app_context():
        row = db.session.get(Encounter, uuid.UUID(entry_id))
        db.session.expunge_all()
        db.session.remove()
    return row
