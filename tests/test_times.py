"""Times on pages are UK local time (fieldapp/times.py): GMT in winter, BST in summer."""

from __future__ import annotations

from datetime import UTC, datetime

from fieldapp.times import uk_text, uk_time


def test_winter_and_summer_on_the_uk_clock():
    assert uk_text(datetime(2026, 11, 29, 14, 5, tzinfo=UTC)) == "Sun 29 Nov 2026, 14:05"
    assert uk_text(datetime(2026, 7, 1, 23, 30, 7, tzinfo=UTC), seconds=True) == "Thu 02 Jul 2026, 00:30:07"
    assert uk_text(datetime(2026, 7, 1, 23, 30)) == "Thu 02 Jul 2026, 00:30"  # naive: UTC, as stored
    assert uk_text(None) == "—" and uk_text(None, missing="Not recorded") == "Not recorded"


def test_the_filter_keeps_the_exact_instant_in_utc_for_machines():
    assert str(uk_time(datetime(2026, 7, 1, 23, 30, tzinfo=UTC))) == \
        '<time datetime="2026-07-01T23:30:00Z">Thu 02 Jul 2026, 00:30</time>'
    assert str(uk_time(None)) == "—"
