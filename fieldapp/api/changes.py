"""The change feed phones pull: decisions on, and new versions of, an officer's entries.

Sequence numbers come from one counter row, incremented under its row lock,
which is held until the transaction commits. So a change with a higher
number can never be committed before one with a lower number: a reader that
has seen number N has seen every change up to N, and its cursor never skips
one (an auto-increment id would: a lower id can commit after a higher one).
The lock is taken as the last statement before commit, to hold it briefly.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, update

from fieldapp import bulk
from fieldapp.extensions import db
from fieldapp.models import Change, Counter

COUNTER = "changes"


def _take_numbers(count: int) -> int:
    """Reserve ``count`` sequence numbers; return the last. Holds the counter's row lock."""
    last = db.session.scalar(
        update(Counter).where(Counter.name == COUNTER).values(value=Counter.value + count).returning(Counter.value)
    )
    if last is None:  # first use on this database
        bulk.insert_rows(Counter.__table__, [{"name": COUNTER, "value": 0}], skip_existing=True)
        return _take_numbers(count)
    return last


def record_changes(changes: Sequence[tuple[int, uuid.UUID, str, int, int | None]]) -> None:
    """Add changes ``(owner_id, entry_id, entry_type, version, review_id)`` to the feed."""
    if not changes:
        return
    last = _take_numbers(len(changes))
    first = last - len(changes) + 1
    bulk.insert_rows(Change.__table__, [
        {"seq": first + n, "owner_id": owner, "entry_id": entry_id, "entry_type": entry_type,
         "version": version, "review_id": review_id}
        for n, (owner, entry_id, entry_type, version, review_id) in enumerate(changes)
    ])


def changes_after(owner_id: int, seq: int, limit: int) -> list[Change]:
    """The owner's changes numbered above ``seq``, oldest first, at most ``limit``."""
    return list(db.session.scalars(
        select(Change).where(Change.owner_id == owner_id, Change.seq > seq).order_by(Change.seq).limit(limit)
    ))
