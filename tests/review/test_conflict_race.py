"""POST /review/<id>/conflicts/<copy> while the entry moves on: the supervisor is told, nothing is lost.

The route loads the entry, then ``resolve_conflict`` locks the copy and the
entry. An edit that commits in between used to meet the stale Entry object
of the session (PostgreSQL does not reload it by itself) and answered 500.
"""

from __future__ import annotations

import threading
import time
from html import unescape

import pytest
from sqlalchemy import select, text

from fieldapp.extensions import db
from fieldapp.review.conflicts import EntryChanged, resolve_conflict
from fieldapp.models import ConflictCopy, EntryVersion, User
from tests.factories import edit, stop_search
from tests.fixtures.rows import audit_events, stored
from tests.fixtures.web import token


@pytest.fixture
def conflict(people, sign_in_device) -> dict:
    """Version 2 of pc1's entry (as a dict a phone would edit next) and a conflict copy made against version 1."""
    entry = stop_search()
    second = edit(entry, notes="phone one")
    people["pc1"].push(entry, second)
    spare = sign_in_device("pc1", device_name="spare")
    assert spare.push(edit(entry, notes="phone two"))[0]["status"] == "conflict"
    return second


def _other_process_pushes(make_app, phone, entry: dict) -> None:
    """Store ``entry`` through a second app (its own session and connections), as another process would."""
    response = make_app().test_client().post("/api/sync/push", json={"entries": [entry]}, headers=phone.headers)
    assert response.status_code == 200 and response.get_json()["results"][0]["status"] == "updated"


def test_resolving_against_a_version_that_moved_on_changes_nothing(conflict, people, make_app):
    copy = db.session.scalar(select(ConflictCopy))
    sarge = db.session.scalar(select(User).where(User.username == "sarge"))
    looked_at = stored(conflict)  # the session holds the entry at version 2, as the route's does
    assert looked_at.version == 2
    _other_process_pushes(make_app, people["pc1"], edit(conflict, notes="phone one, later"))

    with pytest.raises(EntryChanged) as caught:
        resolve_conflict(copy, sarge.id, seen_version=2)
    assert caught.value.version == 3
    db.session.expire_all()
    assert stored(conflict).version == 3
    assert db.session.get(ConflictCopy, copy.id).resolved_at is None
    assert not any("made version" in (e.detail or "") for e in audit_events("alter", "entry"))

    # Decided against the version now current, it is applied on top of it: nothing is overwritten.
    assert resolve_conflict(db.session.get(ConflictCopy, copy.id), sarge.id, seen_version=3) == 4
    assert db.session.get(EntryVersion, (stored(conflict).id, 3)).data["notes"] == "phone one, later"


def test_a_stale_entry_in_the_session_is_read_again_under_the_lock(conflict, people, make_app):
    """Without a version to check, the copy becomes the next version of what is stored (was a 500)."""
    copy = db.session.scalar(select(ConflictCopy))
    sarge = db.session.scalar(select(User).where(User.username == "sarge"))
    looked_at = stored(conflict)
    assert looked_at.version == 2
    _other_process_pushes(make_app, people["pc1"], edit(conflict, notes="phone one, later"))

    assert resolve_conflict(copy, sarge.id) == 4
    db.session.expire_all()
    assert stored(conflict).version == 4
    assert db.session.get(EntryVersion, (stored(conflict).id, 4)).data["notes"] == "phone two"


def _wait_for_a_lock_wait(deadline: float) -> None:
    """Until a backend of this database waits for a row lock (the route, behind the held copy row)."""
    while time.monotonic() < deadline:
        with db.engine.connect() as conn:
            waiting = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND wait_event_type = 'Lock'")).scalar()
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the resolving request never waited for the lock")


def test_an_edit_committed_while_the_route_waits_for_the_lock(conflict, people, as_user, postgres_url):
    """A real race on PostgreSQL: the route has read the entry at version 2 and waits for the copy's
    row lock (held here by another connection) while the officer's phone stores version 3."""
    if postgres_url is None:
        pytest.skip("on SQLite the route's write transaction reloads the entry after taking the one write lock")
    browser = as_user("sarge")
    csrf = token(browser)
    copy_id = db.session.scalar(select(ConflictCopy.id))
    answers = {}

    def resolve():
        answers["response"] = browser.post(f"/review/{conflict['id']}/conflicts/{copy_id}",
                                           data={"csrf_token": csrf, "action": "resolve"})

    holder = db.engine.connect()
    try:
        holder.execute(text("SELECT id FROM conflict_copies WHERE id = :id FOR UPDATE"), {"id": copy_id})
        request = threading.Thread(target=resolve)
        request.start()
        _wait_for_a_lock_wait(time.monotonic() + 20)
        people["pc1"].push(edit(conflict, notes="phone one, later"))
    finally:
        holder.rollback()
        holder.close()
    request.join(30)
    assert not request.is_alive()

    response = answers["response"]
    assert response.status_code == 302
    html = unescape(browser.get(response.headers["Location"]).get_data(as_text=True))
    assert "The entry changed while you were deciding: it is now version 3." in html
    db.session.expire_all()
    assert stored(conflict).version == 3
    assert db.session.get(EntryVersion, (stored(conflict).id, 3)).data["notes"] == "phone one, later"
    assert db.session.get(ConflictCopy, copy_id).resolved_at is None

    # Looking again and choosing again makes the copy version 4, on top of the officer's edit.
    again = browser.post(f"/review/{conflict['id']}/conflicts/{copy_id}",
                         data={"csrf_token": token(browser), "action": "resolve"})
    assert again.status_code == 302
    db.session.expire_all()
    assert stored(conflict).version == 4
    assert db.session.get(ConflictCopy, copy_id).resolved_version == 4


def test_an_edit_stored_between_the_page_and_the_click_is_not_replaced_unseen(conflict, people, as_user):
    """The form carries the version the page showed; the phone's edit in between is kept, the sergeant told."""
    browser = as_user("sarge")
    page = browser.get(f"/review/{conflict['id']}").get_data(as_text=True)
    assert 'name="entry_version" type="hidden" value="2"' in page
    copy_id = db.session.scalar(select(ConflictCopy.id))
    people["pc1"].push(edit(conflict, notes="phone one, later"))  # version 3, while the page is open

    response = browser.post(f"/review/{conflict['id']}/conflicts/{copy_id}",
                            data={"csrf_token": token(browser), "action": "resolve", "entry_version": "2"})
    assert response.status_code == 302
    html = unescape(browser.get(response.headers["Location"]).get_data(as_text=True))
    assert "The entry changed while you were deciding: it is now version 3." in html
    db.session.expire_all()
    assert stored(conflict).version == 3
    assert db.session.get(ConflictCopy, copy_id).resolved_at is None
