"""Receipt references (sync.receipts): what makes them safe to read aloud and type back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.receipts import ALPHABET, LENGTH, RANDOM_CHARS, check_char, format_reference, new_reference, normalise

bodies = st.text(alphabet=ALPHABET, min_size=RANDOM_CHARS, max_size=RANDOM_CHARS)


def test_the_alphabet_has_no_lookalikes_and_a_prime_size():
    assert len(set(ALPHABET)) == len(ALPHABET) == 23
    # One of each pair that is misread or misheard is left out (both, for 0/O and 1/I/L).
    for dropped in "0O1IL2Z5S8BGU":
        assert dropped not in ALPHABET


def test_a_new_reference_reads_back_as_itself():
    for _ in range(200):
        reference = new_reference()
        assert len(reference) == LENGTH + 2 and reference[4] == reference[9] == "-"
        assert normalise(reference) == reference


@given(bodies)
def test_case_spaces_and_hyphens_do_not_matter(body):
    reference = format_reference(body + check_char(body))
    typed = reference.lower().replace("-", " ")
    assert normalise(typed) == reference
    assert normalise(reference.replace("-", "")) == reference


@given(bodies, st.integers(0, LENGTH - 1), st.sampled_from(ALPHABET))
def test_every_single_wrong_character_is_caught(body, position, wrong):
    chars = body + check_char(body)
    if chars[position] == wrong:
        return
    mistyped = chars[:position] + wrong + chars[position + 1:]
    assert normalise(mistyped) is None


@given(bodies, st.integers(0, LENGTH - 2))
def test_every_swap_of_two_neighbours_is_caught(body, position):
    chars = body + check_char(body)
    if chars[position] == chars[position + 1]:
        return
    swapped = chars[:position] + chars[position + 1] + chars[position] + chars[position + 2:]
    assert normalise(swapped) is None


@pytest.mark.parametrize("typed", ["", "ABC", "7KQ4-MX9T-HC3", "7KQ4-MX9T-HC3WW", "OOOO-OOOO-OOOO", "7kq4\u00a0mx9t"])
def test_what_cannot_be_a_reference_is_refused(typed):
    assert normalise(typed) is None
