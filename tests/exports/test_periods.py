"""parse_period, the one reader of a period: its bounds, its longest period and its defaults (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from fieldapp.periods import FilterError, Period, parse_period

TODAY = date(2026, 11, 29)


def errors_of(args: dict[str, str], **options) -> dict[str, str]:
    """The messages by field that ``args`` are refused with."""
    with pytest.raises(FilterError) as refused:
        parse_period(args, today=TODAY, **options)
    return refused.value.errors


def test_days_from_2000_to_a_year_after_today_are_accepted():
    assert parse_period({"from": "2000-01-01", "to": "2027-11-30"}, today=TODAY, max_years=None) == Period(
        date(2000, 1, 1), date(2027, 11, 30))
    assert errors_of({"from": "1999-12-31"}) == {
        "from": "From must be between 2000-01-01 and 2027-11-30 (got 1999-12-31)."}
    assert errors_of({"to": "2027-12-01"}) == {"to": "To must be between 2000-01-01 and 2027-11-30 (got 2027-12-01)."}


def test_days_at_the_ends_of_the_calendar_are_refused_not_overflowed():
    found = errors_of({"from": "0001-01-01", "to": "9999-12-31"})
    assert set(found) == {"from", "to"}


def test_the_longest_period_is_five_calendar_years():
    assert parse_period({"from": "2021-01-01", "to": "2025-12-31"}, today=TODAY).last == date(2025, 12, 31)
    assert parse_period({"from": "2024-01-01", "to": "2028-12-31"}, today=date(2028, 1, 1)).first == date(2024, 1, 1)
    assert errors_of({"from": "2020-12-31", "to": "2025-12-31"}) == {
        "to": "The period may be at most 5 years long: with From 2020-12-31, To must be on or before 2025-12-30."}
    # 29 February: five years on is 1 March.
    assert parse_period({"from": "2020-02-29", "to": "2025-02-28"}, today=TODAY).last == date(2025, 2, 28)
    assert "to" in errors_of({"from": "2020-02-29", "to": "2025-03-01"})


def test_lists_may_opt_out_of_the_longest_period_but_not_of_the_bounds():
    assert parse_period({"from": "2000-01-01", "to": "2026-11-29"}, today=TODAY, max_years=None).first == date(2000, 1, 1)
    assert "to" in errors_of({"to": "9999-12-31"}, max_years=None)


def test_open_ends_stay_open_unless_a_default_fills_them():
    assert parse_period({"from": "2026-01-01"}, today=TODAY) == Period(date(2026, 1, 1), None)
    assert parse_period({}, today=TODAY, default_days=84) == Period(date(2026, 9, 7), TODAY)
    # The default start never falls before the earliest day.
    assert parse_period({"to": "2000-01-05"}, today=TODAY, default_days=84) == Period(
        date(2000, 1, 1), date(2000, 1, 5))
    # A typed From with an empty To (today) too long ago: the message is on From.
    assert list(errors_of({"from": "2001-01-01"}, default_days=84)) == ["from"]


def test_order_and_required():
    assert errors_of({"from": "2026-03-02", "to": "2026-03-01"}) == {"to": "To must be the same day as From or later."}
    assert errors_of({}, required=True) == {"from": "From date is required (YYYY-MM-DD).",
                                            "to": "To date is required (YYYY-MM-DD)."}


def test_the_end_is_the_first_instant_after_the_last_day():
    period = parse_period({"to": "2027-11-30"}, today=TODAY)
    assert period.end is not None and period.end.date() == date(2027, 12, 1)
