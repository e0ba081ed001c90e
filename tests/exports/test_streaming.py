"""Exports stream: the response is a stream, and memory does not grow with the number of rows."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime, timedelta


from fieldapp.exports import csv_files
from fieldapp.extensions import db
from tests.factories import stop_search

START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def push_searches(device, count: int, offset: int = 0) -> None:
    """``count`` stop and searches, one a minute from START, in batches the API accepts."""
    entries = [stop_search(occurred_at=(START + timedelta(minutes=offset + n)).isoformat()) for n in range(count)]
    for first in range(0, count, 200):
        device.push(*entries[first:first + 200])


def peak_while_reading(client, url: str) -> tuple[int, int]:
    """(peak bytes allocated while the export is read, lines read)."""
    response = client.get(url, buffered=False)
    assert response.status_code == 200
    assert response.is_streamed
    lines = 0
    tracemalloc.start()
    try:
        for chunk in response.response:
            lines += chunk.count(b"\n")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        response.close()
    return peak, lines


def test_memory_does_not_grow_with_rows(officer, sign_in_device, supervisor, client, monkeypatch):
    # Small batches and chunks, so that 200 rows already fill several of each:
    # what stays flat between 200 and 2,000 rows is then the whole footprint.
    monkeypatch.setattr(csv_files, "BATCH_ROWS", 50)
    monkeypatch.setattr(csv_files, "CHUNK_ROWS", 50)
    push_searches(officer, 200)
    small_peak, small_lines = peak_while_reading(client, "/exports/stop-search.csv?from=2025-03-01&to=2025-03-31")
    small_item_peak, _ = peak_while_reading(client, "/exports/encounter.csv")
    assert small_lines == 201

    push_searches(sign_in_device("pc2"), 1800, offset=200)
    large_peak, large_lines = peak_while_reading(client, "/exports/stop-search.csv?from=2025-03-01&to=2025-03-31")
    large_item_peak, _ = peak_while_reading(client, "/exports/encounter.csv")
    assert large_lines == 2001
    # Ten times the rows; memory within a small constant of the small export.
    assert large_peak - small_peak < 64 * 1024, (small_peak, large_peak)
    assert large_item_peak - small_item_peak < 64 * 1024, (small_item_peak, large_item_peak)


def test_rows_are_fetched_in_batches_never_all_at_once(officer, supervisor, client, monkeypatch):
    asked: list[int] = []
    real_execute = db.session.execute

    def spy(statement, *args, **kwargs):
        options = getattr(statement, "get_execution_options", dict)()
        if "yield_per" in options:
            asked.append(options["yield_per"])
        return real_execute(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "execute", spy)
    push_searches(officer, 5)
    assert client.get("/exports/encounter.csv").get_data(as_text=True).count("\n") == 6
    assert client.get("/exports/stop-search.csv?from=2025-03-01&to=2025-03-01").get_data().count(b"\n") == 6
    assert asked == [csv_files.BATCH_ROWS, csv_files.BATCH_ROWS]


def test_a_download_may_outlast_the_request_time_limit(app, officer, supervisor, client, monkeypatch):
    # The limit is per call into the database: each batch of rows is one, so a download that pauses
    # longer than the limit between batches (a slow client) still gets every row.
    # Batches of 250 rows are enough work for SQLite's progress handler to look at the clock.
    app.config["REQUEST_TIME_LIMIT_SECONDS"] = 0.25
    monkeypatch.setattr(csv_files, "BATCH_ROWS", 250)
    monkeypatch.setattr(csv_files, "CHUNK_ROWS", 250)
    push_searches(officer, 600)
    for url in ("/exports/stop-search.csv?from=2025-03-01&to=2025-03-31", "/exports/encounter.csv"):
        response = client.get(url, buffered=False)
        assert response.status_code == 200
        chunks = iter(response.response)
        lines = next(chunks).count(b"\n")
        time.sleep(0.4)
        lines += sum(chunk.count(b"\n") for chunk in chunks)
        response.close()
        assert lines == 601, url
