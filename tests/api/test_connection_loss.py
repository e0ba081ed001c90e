"""A database connection lost during a request (PostgreSQL): the app answers, nothing is stored twice.

The connection is really lost: another connection terminates the request's
own backend (``pg_terminate_backend``) just before, or just after, a chosen
statement runs.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator

import pytest
from flask import has_request_context
from sqlalchemy import create_engine, event, func, select, text

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Entry
from tests.factories import encounter
from tests.images import jpeg


@pytest.fixture
def lose_connection(app, postgres_url) -> Iterator[Callable[..., None]]:
    """Factory: ``lose_connection("INSERT INTO entries")`` terminates the backend of the first
    statement of a request containing that text, before it runs (``after=True``: once it ran);
    ``engine`` is the app's whose requests are watched (the test's app by default)."""
    if postgres_url is None:
        pytest.skip("needs PostgreSQL: set FIELDAPP_TEST_DATABASE_URL")
    admin = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT")
    armed: dict[str, object] = {}
    listening: list[tuple] = []

    def terminate(conn) -> None:
        pid = conn.connection.dbapi_connection.info.backend_pid
        with admin.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            while other.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                {"pid": pid}).scalar_one():
                assert time.monotonic() < deadline, "the backend did not end"
                time.sleep(0.01)
        armed["fired"] = True

    def watcher(after: bool) -> Callable:
        def watch(conn, cursor, statement, parameters, context, executemany):
            if (has_request_context() and not armed["fired"] and armed["after"] == after
                    and armed["text"] in statement):
                terminate(conn)
        return watch

    def arm(statement_text: str, *, after: bool = False, engine=None) -> None:
        armed.update(text=statement_text, after=after, fired=False)
        engine = engine if engine is not None else db.engine
        for name, after_it in (("before_cursor_execute", False), ("after_cursor_execute", True)):
            listener = watcher(after_it)
            event.listen(engine, name, listener)
            listening.append((engine, name, listener))

    yield arm
    for engine, name, listener in listening:
        event.remove(engine, name, listener)
    admin.dispose()
    assert armed.get("fired"), "the connection was never lost: the test did not test anything"


def test_a_push_that_lost_its_connection_before_committing_runs_again(officer, lose_connection, caplog):
    sent = encounter()
    lose_connection("INSERT INTO entries")
    [result] = officer.push(sent)
    assert result["status"] == "created"
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 1
    assert "running it again" in caplog.text


def test_a_read_that_lost_its_connection_runs_again_and_is_logged_once(officer, lose_connection):
    [result] = officer.push(sent := encounter())
    lose_connection("FROM entries")
    response = officer.get(f"/api/entries/{sent['id']}")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["id"] == sent["id"]
    consulted = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "consult", AuditEvent.record_type == "entry")
    assert db.session.scalar(consulted) == 1


def test_an_upload_that_cannot_be_run_again_answers_503_with_retry_after(officer, lose_connection):
    # A photo's body streams into the request once and is not kept: it is not run again.
    [result] = officer.push(sent := encounter())
    photo = jpeg(extra=b"photo" * 100)  # a real JPEG: the server checks the structure
    lose_connection("INSERT INTO photo")
    response = officer.put(f"/api/entries/{sent['id']}/photos/7b0ad9a4-8d3c-4a55-9e2f-0d1c2b3a4f5e", data=photo,
                           headers={"Content-Type": "image/jpeg",
                                    "X-Content-SHA256": hashlib.sha256(photo).hexdigest()})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.get_json()["message"]
    # Sent again, it is stored.
    again = officer.put(f"/api/entries/{sent['id']}/photos/7b0ad9a4-8d3c-4a55-9e2f-0d1c2b3a4f5e", data=photo,
                        headers={"Content-Type": "image/jpeg", "X-Content-SHA256": hashlib.sha256(photo).hexdigest()})
    assert again.status_code == 201, again.get_json()


def test_a_connection_lost_after_the_answer_was_made_does_not_spoil_it(make_app, lose_connection):
    # /healthz reads and never commits: its session is closed (rolled back) after the response
    # is made, on a connection that is dead by then. The tests' own app shares one app context
    # across requests, so this uses an app whose every request ends its own, as in production.
    served = make_app()
    with served.app_context():
        lose_connection("SELECT 1", after=True, engine=db.engine)
    response = served.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert served.test_client().get("/healthz").status_code == 200  # the next request gets a good connection
