"""The audit log's hash chain, as plain Python: how an event is hashed, and how a chain is checked.

Each event has a place in the chain (``seq``: 1, 2, 3... with no gaps) and a
hash (``chain_hash``) over the previous event's hash and its own content::

    chain_hash = SHA-256( previous chain_hash, "\\n", canonical(event) )

The first event's previous hash is :data:`GENESIS`. Changing an event's
content changes its hash, so the link to it no longer holds; removing one
leaves a gap in ``seq``; inserting one anywhere but at the end needs a place
that is taken, or hashes that no longer link. Rewriting the whole chain from
some point on is only caught against a head recorded elsewhere earlier
(:class:`Head`, ``fieldapp audit head``): that is what anchoring is for.

The event's database id is not hashed: it is the database's, and only
``seq`` orders the chain. :func:`canonical` is format 1, and fixed: every
stored hash depends on it byte for byte.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

#: The previous hash of the first event.
GENESIS = "0" * 64

#: The hashed fields, in their order in :func:`canonical`.
FIELDS = ("seq", "at", "actor_id", "action", "record_type", "record_id", "device_id", "remote_addr", "detail")

#: At most this many problems are listed; the first one is what matters.
MAX_PROBLEMS = 20

_HEAD = re.compile(r"(\d{1,18}):([0-9a-f]{64})")


@lru_cache(maxsize=256)
def _time_text(at: datetime) -> str:
    """A time as hashed: UTC, ISO 8601 to the microsecond (the events of one commit share theirs)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(event: Mapping[str, Any]) -> bytes:
    """An event's hashed content: its fields as one compact JSON array in UTF-8 (non-ASCII as it is;
    the bytes of ``json.dumps(values, ensure_ascii=False, separators=(",", ":"))``), its time as text."""
    values = [event[name] for name in FIELDS]
    values[1] = _time_text(values[1])
    return orjson.dumps(values)


def link(previous: str, event: Mapping[str, Any]) -> str:
    """The chain hash of ``event`` placed after the event whose chain hash is ``previous``."""
    return hashlib.sha256(previous.encode("ascii") + b"\n" + canonical(event)).hexdigest()


@dataclass(frozen=True)
class Head:
    """The last event of the chain: its place and hash, written ``seq:hash`` to record elsewhere."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Head:
        """Read a head as ``fieldapp audit head`` printed it; ValueError when it is not one."""
        match = _HEAD.fullmatch(text.strip().lower())
        if match is None or int(match[1]) < 1:
            raise ValueError(f"{text.strip()[:80]!r} is not a head: give it as 'fieldapp audit head' printed it, "
                             "seq:hash (a number, a colon, 64 hexadecimal digits)")
        return cls(int(match[1]), match[2])


@dataclass
class Verification:
    """What walking the chain found: how far it goes, and the problems in the order met."""

    events: int = 0
    head: Head | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def found(self, problem: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def summary(self) -> str:
        """One line: intact to the head, or the first problem (and how many more)."""
        if self.intact:
            if self.head is None:
                return "intact: the log is empty"
            return f"intact: {self.events:,} events, head {self.head}"
        more = len(self.problems) - 1
        extra = f" (and {more}{'+' if len(self.problems) == MAX_PROBLEMS else ''} more)" if more else ""
        return f"BROKEN: {self.problems[0]}{extra}"


def walk(events: Iterable[Mapping[str, Any]], anchor: Head | None = None) -> Verification:
    """Check chained events given in ``seq`` order (each with ``id``, ``chain_hash`` and :data:`FIELDS`).

    After a bad link the walk goes on from the stored hash, so that later
    problems are found too. ``anchor`` is a head recorded earlier: the event at
    its place must still have its hash, and the chain must reach it.
    """
    result = Verification()
    previous, expected = GENESIS, 1
    for event in events:
        seq, stored = event["seq"], event["chain_hash"]
        if seq != expected:
            gap = f"#{expected}" if seq == expected + 1 else f"#{expected} to #{seq - 1}"
            result.found(f"event {gap} removed: the chain goes from #{expected - 1} to #{seq} (id {event['id']})")
        elif link(previous, event) != stored:
            result.found(f"event #{seq} (id {event['id']}) does not match the chain: it was changed, "
                         "or put in the place of the one that was there")
        if anchor is not None and seq == anchor.seq and stored != anchor.hash:
            result.found(f"event #{seq} (id {event['id']}) is not the recorded head {anchor}: "
                         f"the chain up to it was rewritten")
        previous, expected = stored, seq + 1
        result.events += 1
        result.head = Head(seq, stored)
    if anchor is not None and (result.head is None or result.head.seq < anchor.seq):
        last = f"#{result.head.seq}" if result.head else "nothing"
        result.found(f"the chain ends at {last}, before the recorded head #{anchor.seq}: events were removed "
                     "from its end")
    return result
