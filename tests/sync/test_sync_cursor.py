"""Pull cursors: opaque, round-trip, and strict about what they accept."""
import base64

import pytest

from sync import InvalidCursor, decode_cursor, encode_cursor


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("seq", [0, 1, 9, 10, 12345, 2**31, 2**63 - 1])
def test_round_trip(seq):
    text = encode_cursor(seq)
    assert decode_cursor(text) == seq
    assert "=" not in text and "c1" not in text  # opaque and unpadded
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_format_is_base64_of_prefixed_seq():
    assert encode_cursor(42) == _b64("c1:42")


@pytest.mark.parametrize("empty", [None, ""])
def test_no_cursor_means_start(empty):
    assert decode_cursor(empty) == 0


@pytest.mark.parametrize("text", [
    "!!!!", "abc", "a", "YzE6NDI=", " " + _b64("c1:42"), _b64("c1:42") + "\n",
    _b64("c1:-1"), _b64("c1:042"), _b64("c1:"), _b64("c2:42"), _b64("42"), _b64("c1:4 2"),
    _b64("c1:1e3"), _b64("c1:" + str(2**63)), _b64("c1:" + "9" * 40), "A" * 33,
    _b64("c1:٤٢"), "é" * 4,
])
def test_malformed_is_rejected(text):
    with pytest.raises(InvalidCursor):
        decode_cursor(text)


def test_non_string_is_rejected():
    with pytest.raises(InvalidCursor):
        decode_cursor(42)  # type: ignore[arg-type]


def test_invalid_cursor_is_a_value_error():
    assert issubclass(InvalidCursor, ValueError)


@pytest.mark.parametrize("seq", [-1, 2**63, True, 1.0, "1"])
def test_encode_rejects_out_of_range(seq):
    with pytest.raises(ValueError):
        encode_cursor(seq)


def test_non_canonical_spelling_of_a_valid_cursor_is_rejected():
    # Same bytes, but with non-zero unused bits: only one spelling is valid.
    twin = encode_cursor(42)[:-1] + "J"
    assert base64.b64decode(twin + "=", altchars=b"-_") == b"c1:42"
    with pytest.raises(InvalidCursor):
        decode_cursor(twin)
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor(42) + "=")
