"""Exporting the audit log: streamed CSV, the same filters, and the disclosure logged before the first byte."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent

HEADER = ["id", "at_utc", "actor_username", "actor_id", "action", "record_type", "record_id", "device_id",
          "remote_addr", "detail"]


def parse(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_header_and_rows(client, admin, add_event):
    first = add_event(datetime(2026, 3, 1, 9, 30, tzinfo=UTC), "consult", "entry", "e1", actor_id=admin.id,
                      device_id=7, remote_addr="10.1.2.3", detail="review page")
    second = add_event(datetime(2026, 3, 2, 9, 30, tzinfo=UTC), "erase", "entry", "e2", remote_addr=None)
    response = client.get("/audit/export.csv?record_type=entry")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="audit-log-') and disposition.endswith('.csv"')
    header, *body = parse(response)
    assert header == HEADER
    assert body == [
        [str(second.id), "2026-03-02T09:30:00+00:00", "", "", "erase", "entry", "e2", "", "", ""],
        [str(first.id), "2026-03-01T09:30:00+00:00", "admin1", str(admin.id), "consult", "entry", "e1", "7",
         "10.1.2.3", "review page"],
    ]


def test_the_disclosure_is_committed_before_streaming(client, admin, add_event):
    add_event(datetime(2026, 3, 1, tzinfo=UTC), actor_id=admin.id)
    # Record type 'entry': the admin's own sign-in (a 'user' event since issue 13) is not the row looked for.
    response = client.get("/audit/export.csv?actor=admin1&action=consult&record_type=entry&date_from=2026-03-01",
                          buffered=False)
    # Nothing streamed yet; another connection already sees the committed event.
    with db.engine.connect() as other:
        event = other.execute(select(AuditEvent).where(AuditEvent.action == "disclose")).one()
    assert (event.record_type, event.actor_id) == ("audit_log", admin.id)
    assert "recipient: admin1 (the downloading user)" in event.detail
    assert "actor=admin1" in event.detail and "action=consult" in event.detail and "from=2026-03-01" in event.detail
    header, *body = parse(response)
    assert header == HEADER and len(body) == 1
    response.close()


def test_rows_are_fetched_in_batches_with_none_lost(client, admin, add_event, monkeypatch):
    from fieldapp.audit import queries as search

    monkeypatch.setattr(search, "EXPORT_BATCH", 2)
    events = [add_event(datetime(2026, 3, 1, tzinfo=UTC), record_id=f"r{n}") for n in range(5)]
    _, *body = parse(client.get("/audit/export.csv?record_type=entry"))
    assert [row[0] for row in body] == [str(e.id) for e in reversed(events)]


def test_cells_that_look_like_formulas_are_quoted(client, admin, add_event):
    add_event(datetime(2026, 3, 1, tzinfo=UTC), detail="=HYPERLINK(\"http://x\")")
    _, *body = parse(client.get("/audit/export.csv?record_type=entry"))
    assert body[0][-1] == "'=HYPERLINK(\"http://x\")"


def test_no_code_updates_or_deletes_an_audit_event():
    """The database refuses anyway (tests/test_audit.py); no code should even try."""
    import pathlib
    import re

    import fieldapp

    pattern = re.compile(r"(update|delete)\(\s*AuditEvent|AuditEvent\.__table__\.(update|delete)|"
                         r"(UPDATE|DELETE FROM)\s+audit_events")
    root = pathlib.Path(fieldapp.__file__).parent
    offenders = [str(path) for path in root.rglob("*.py") if pattern.search(path.read_text())]
    assert offenders == []
