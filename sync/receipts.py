"""Stop and search receipt references: made on the phone at the scene, typed back by the public.

A reference is 12 characters in three groups of four, e.g. ``7KQ4-MX9T-HC3R``:
11 random characters and a check character. The alphabet drops the
characters most often misread or misheard in pairs (0/O, 1/I/L, 2/Z, 5/S,
8/B, 6/G, U/V: one of each pair goes, here B, G, I, L, O, S, U, Z and
0, 1, 2, 5, 8). It has 23 characters, a prime, so the check character (the
position-weighted sum mod 23) catches every single wrong character and every swap of two neighbours.

11 random characters from 23 give 23**11 (about 9.5e14) references: at
100,000 searches the chance that any two share one is about 5 in a million;
the server refuses a duplicate (a unique column): the entry goes back to the
officer with that error rather than two searches sharing one reference.

The officer app makes references with the same rules (static/js/receipt.js);
tests/sync/test_receipts.py checks the two agree.

Plain Python, no Flask.
"""
from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from sync.fields import FieldError

if TYPE_CHECKING:
    from sync.fields import Field
    from sync.validation import ValidationContext

ALPHABET = "34679ACDEFHJKMNPQRTVWXY"
RANDOM_CHARS = 11
LENGTH = RANDOM_CHARS + 1
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_IGNORED = str.maketrans("", "", " -\t")


def check_char(body: str) -> str:
    """The check character of 11 alphabet characters."""
    return ALPHABET[sum((i + 1) * _VALUE[c] for i, c in enumerate(body)) % len(ALPHABET)]


def new_reference() -> str:
    """A fresh random reference, formatted."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return format_reference(body + check_char(body))


def format_reference(chars: str) -> str:
    """12 characters as three groups of four."""
    return "-".join(chars[i:i + 4] for i in range(0, LENGTH, 4))


def normalise(raw: str) -> str | None:
    """A typed reference in its canonical form, or None when it cannot be one.

    Case, spaces and hyphens do not matter; a wrong check character does.
    """
    chars = raw.translate(_IGNORED).upper()
    if len(chars) != LENGTH or any(c not in _VALUE for c in chars):
        return None
    if check_char(chars[:RANDOM_CHARS]) != chars[-1]:
        return None
    return format_reference(chars)


def parse_receipt_ref(f: Field, raw: Any, ctx: ValidationContext) -> tuple[str, str]:
    """A receipt reference, stored in its canonical form."""
    value = normalise(raw) if isinstance(raw, str) else None
    if value is None:
        raise FieldError(f"{f.label} must be 12 characters of {ALPHABET} with a valid check character.")
    return value, value
