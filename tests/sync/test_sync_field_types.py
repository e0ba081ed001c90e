"""Value formats shared by every field: date-times, numbers and strings."""
from datetime import datetime, timedelta, timezone

import pytest

from sync import validate_entry


def _occurred(ctx, make_entry, value):
    return validate_entry(make_entry("other", occurred_at=value), ctx)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-27T10:15:00+00:00", datetime(2026, 11, 27, 10, 15, tzinfo=timezone.utc)),
    ("2026-11-27T10:15:00Z", datetime(2026, 11, 27, 10, 15, tzinfo=timezone.utc)),
    ("2026-11-27T10:15Z", datetime(2026, 11, 27, 10, 15, tzinfo=timezone.utc)),
    ("2026-11-27T10:15:00.123Z", datetime(2026, 11, 27, 10, 15, 0, 123000, tzinfo=timezone.utc)),
    ("2026-11-27T10:15:00.123456789Z", datetime(2026, 11, 27, 10, 15, 0, 123456, tzinfo=timezone.utc)),
    ("2026-11-27T11:15:00+01:00", datetime(2026, 11, 27, 10, 15, tzinfo=timezone.utc)),
    ("2026-11-27T05:15:00-0500", datetime(2026, 11, 27, 10, 15, tzinfo=timezone.utc)),
    ("2000-01-01T00:00:00Z", datetime(2000, 1, 1, tzinfo=timezone.utc)),
])
def test_datetimes_accepted(ctx, make_entry, text, expected):
    entry, errors = _occurred(ctx, make_entry, text)
    assert errors == {}
    assert entry.values["occurred_at"] == expected
    assert entry.values["occurred_at"].utcoffset() is not None
    assert entry.data["occurred_at"] == text  # kept as sent, with the device's offset


@pytest.mark.parametrize(("text", "message"), [
    ("2026-11-27T10:15:00", "Date and time must include a UTC offset."),
    ("2026-11-27T10:15", "Date and time must include a UTC offset."),
    ("2026-11-27", "Date and time must be an ISO 8601 date and time."),
    ("2026-11-27 10:15:00Z", "Date and time must be an ISO 8601 date and time."),
    ("20261127T101500Z", "Date and time must be an ISO 8601 date and time."),
    ("2026-11-27T10:15:00z", "Date and time must be an ISO 8601 date and time."),
    ("2026-11-27T10:15:00 Z", "Date and time must be an ISO 8601 date and time."),
    ("2026-11-27T10:15:00+01", "Date and time must be an ISO 8601 date and time."),
    ("Fri, 27 Nov 2026 10:15:00 GMT", "Date and time must be an ISO 8601 date and time."),
    ("２０２６-11-27T10:15:00Z", "Date and time must be an ISO 8601 date and time."),
    ("2026-02-30T10:15:00Z", "Date and time is not a valid date and time."),
    ("2026-11-27T25:15:00Z", "Date and time is not a valid date and time."),
    ("2026-11-27T10:15:00+25:00", "Date and time is not a valid date and time."),
    ("0000-01-01T00:00:00Z", "Date and time is not a valid date and time."),
    ("9999-12-31T23:59:59-23:59", "Date and time must not be in the future."),
    ("1999-12-31T23:59:59Z", "Date and time must not be before 2000."),
    ("2000-01-01T00:30:00+01:00", "Date and time must not be before 2000."),
    (1764238500, "Date and time must be an ISO 8601 date and time."),
    (["2026-11-27T10:15:00Z"], "Date and time must be an ISO 8601 date and time."),
])
def test_datetimes_rejected(ctx, make_entry, text, message):
    assert _occurred(ctx, make_entry, text) == (None, {"occurred_at": message})


def test_up_to_one_hour_ahead_of_server_clock(ctx, make_entry):
    limit = ctx.now + timedelta(hours=1)
    assert _occurred(ctx, make_entry, limit.isoformat())[1] == {}
    late = (limit + timedelta(seconds=1)).isoformat()
    assert _occurred(ctx, make_entry, late)[1] == {"occurred_at": "Date and time must not be in the future."}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), True, "51.5", None])
def test_numbers_reject_nan_inf_bool_and_strings(ctx, make_entry, value):
    _, errors = validate_entry(make_entry("other", latitude=value, longitude=0.0), ctx)
    if value is None:
        assert errors == {"latitude": "Give both latitude and longitude, or neither."}
    else:
        assert errors == {"latitude": "Latitude must be a number."}


def test_huge_ints_are_range_errors_not_crashes(ctx, make_entry):
    _, errors = validate_entry(make_entry("other", latitude=10**400, longitude=-(10**400)), ctx)
    assert errors == {"latitude": "Latitude must be between -90 and 90.",
                      "longitude": "Longitude must be between -180 and 180."}


@pytest.mark.parametrize("bad", ["a\x00b", "lone \ud800 surrogate", "\udfff"])
def test_unstorable_characters_are_rejected(ctx, make_entry, bad):
    _, errors = validate_entry(make_entry("other", notes=bad), ctx)
    assert errors == {"notes": "Notes contains characters that cannot be stored."}


def test_unicode_text_is_kept(ctx, make_entry):
    text = "Żółć 🚓\tline\nline"
    entry, errors = validate_entry(make_entry("other", notes=text), ctx)
    assert errors == {} and entry.data["notes"] == text


def test_length_counts_characters_not_bytes(ctx, make_entry):
    assert validate_entry(make_entry("other", location_text="🚓" * 500), ctx)[1] == {}
