"""The reference lists (data/reference.json), loaded once per process."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from sync import ReferenceLists, load_reference

REFERENCE_FILE = Path(__file__).resolve().parent / "data" / "reference.json"


@cache
def reference_lists() -> ReferenceLists:
    """The lists every part of the app uses: the officer app, the validator and the exports."""
    return load_reference(REFERENCE_FILE)
