"""The cursor codec every list shares: positions round-trip, and only the one spelling made here is read."""
import base64
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.cursor import MAX_INT, MAX_STR, InvalidCursor, decode_key, encode_key

MOMENT = datetime(2026, 11, 29, 9, 30, 15, 123456, tzinfo=UTC)
ENTRY_ID = uuid.UUID("0b5b7a3e-8a5c-4f43-9d1e-0f3c8c2a1b77")


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(("kinds", "values"), [
    ((int,), (0,)),
    ((int,), (MAX_INT,)),
    ((str,), ("pc.ten",)),
    ((str,), ("Box | by the church ✉",)),  # the last value may hold the separator
    ((datetime, uuid.UUID), (MOMENT, ENTRY_ID)),
    ((datetime, uuid.UUID), (MOMENT.astimezone(timezone(timedelta(hours=1))), ENTRY_ID)),
    ((str, int), ("officer", 7)),
])
def test_positions_round_trip_as_url_safe_text(kinds, values):
    text = encode_key("t1", values)
    assert decode_key(text, "t1", kinds) == values
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_the_format_is_the_tag_then_the_values():
    assert encode_key("q2", (MOMENT, ENTRY_ID)) == _b64(f"q2:{MOMENT.isoformat()}|{ENTRY_ID}")


def test_a_cursor_of_another_list_is_refused():
    with pytest.raises(InvalidCursor):
        decode_key(encode_key("u1", ("pc1",)), "p1", (str,))


@pytest.mark.parametrize("text", [
    "", "!!!!", "a", _b64("t1"), _b64("t1:"), _b64("t1:1|2"), _b64("t1:01"), _b64("t1:-1"), _b64("t1:+1"),
    _b64("T1:1"), _b64(f"t1:{2**63}"), _b64("t1:١"), _b64("t1:1") + "=", " " + _b64("t1:1"),
    "\xe9" * 4, base64.b64encode(b"\xff\xfet1:1").decode(),
])
def test_malformed_whole_numbers_are_refused(text):
    with pytest.raises(InvalidCursor):
        decode_key(text, "t1", (int,))


@pytest.mark.parametrize("body", [
    f"{MOMENT.isoformat()}",  # one value short
    f"2026-11-29T09:30:15|{ENTRY_ID}",  # no UTC offset
    f"2026-11-29T09:30:15Z|{ENTRY_ID}",  # another spelling of an offset
    f"not-a-date|{ENTRY_ID}",
    f"{MOMENT.isoformat()}|{str(ENTRY_ID).upper()}",  # another spelling of the same id
    f"{MOMENT.isoformat()}|{ENTRY_ID.hex}",
    f"{MOMENT.isoformat()}|not-an-id",
])
def test_other_spellings_of_a_position_are_refused(body):
    with pytest.raises(InvalidCursor):
        decode_key(_b64(f"q2:{body}"), "q2", (datetime, uuid.UUID))


def test_text_too_long_is_refused_unread():
    with pytest.raises(InvalidCursor):
        decode_key(_b64("t1:" + "x" * (MAX_STR + 1)), "t1", (str,))
    with pytest.raises(InvalidCursor):
        decode_key(encode_key("t1", ("x" * 30,)), "t1", (str,), max_text=16)


@pytest.mark.parametrize("values", [
    (), (True,), (-1,), (MAX_INT + 1,), (1.5,), (None,), (datetime(2026, 1, 1),), ("x" * (MAX_STR + 1),),
    ("a|b", 1),  # the separator in a value other than the last
])
def test_values_no_cursor_can_hold_are_refused_when_encoding(values):
    with pytest.raises(ValueError):
        encode_key("t1", values)


@pytest.mark.parametrize("tag", ["", "T1", "a:b", "a|b", "1a"])
def test_tags_are_short_lower_case_words(tag):
    with pytest.raises(ValueError):
        encode_key(tag, (1,))


@given(st.tuples(st.datetimes(timezones=st.just(UTC)), st.uuids()))
def test_any_entry_position_round_trips(values):
    assert decode_key(encode_key("e1", values), "e1", (datetime, uuid.UUID)) == values


@given(st.text(max_size=MAX_STR))
def test_any_text_position_round_trips(text):
    assert decode_key(encode_key("u1", (text,)), "u1", (str,)) == (text,)


@given(st.text(max_size=60))
def test_any_text_is_a_cursor_or_refused_never_another_error(text):
    try:
        decode_key(text, "e1", (datetime, uuid.UUID))
    except InvalidCursor:
        pass
