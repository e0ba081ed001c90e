"""A Hypothesis state machine against the real push endpoint: the server always equals a simple model.

Two phones of one officer (pc1) and a phone of a second officer (pc2) push
random sequences of new entries, exact retries of earlier batches, edits
with the right base version, stale edits, clashing content under a stored
id and version, edits that skip a version, edits of the other officer's
entries and batches with an invalid entry mixed in. After every step the
database must equal the model (ids, authors, current versions, the content
of every version, the conflict copies), every content ever sent in a valid
push must be stored somewhere, and every receipt must say what the model
predicts. Each run of the machine starts from empty entry tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import delete, select

from fieldapp.extensions import db
from fieldapp.models import ConflictCopy, Encounter, Entry, EntryVersion, User
from tests.factories import ago, edit, encounter

DEVICES = {"a1": "pc1", "a2": "pc1", "b1": "pc2"}
OFFICERS = {"pc1": ("a1", "a2"), "pc2": ("b1",)}
KINDS = ("stop_account", "asb", "begging", "other")
# Printable text without surrounding whitespace to strip: stored exactly as sent.
WORDS = st.text(alphabet=st.characters(categories=("L", "N", "P", "S")), max_size=12)
INVALID = ("no_bwv", "unknown_field", "bad_kind", "version_zero", "naive_time", "half_coordinates",
           "bad_base", "invalid_edit")


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


@dataclass
class Stored:
    """The model of one stored entry."""

    owner: str
    current: int
    versions: dict[int, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Sent:
    """One entry of a batch as sent, and whether it is valid."""

    raw: dict[str, Any]
    valid: bool


@dataclass(frozen=True)
class Batch:
    device: str
    entries: tuple[Sent, ...]


def _entry_tables():
    """``entries`` and every table that points at it (directly or not), children first."""
    names = {"entries"}
    grew = True
    while grew:
        grew = False
        for table in db.metadata.sorted_tables:
            if table.name not in names and any(fk.column.table.name in names for fk in table.foreign_keys):
                names.add(table.name)
                grew = True
    return [t for t in reversed(db.metadata.sorted_tables) if t.name in names]


class SyncMachine(RuleBasedStateMachine):
    """The push endpoint against a dict model. ``phones`` is set by the fixture below."""

    phones: dict[str, Any] | None = None
    user_ids: dict[str, int] | None = None

    batches = Bundle("batches")

    def __init__(self) -> None:
        super().__init__()
        assert self.phones is not None, "the _signed_in_phones fixture did not run"
        for table in _entry_tables():
            db.session.execute(delete(table))
        db.session.commit()
        self.model: dict[str, Stored] = {}
        self.raws: dict[tuple[str, int], dict[str, Any]] = {}  # the raw entry of each stored version
        self.conflicts: set[tuple[str, int, str]] = set()
        self.submitted: set[tuple[str, int, str]] = set()  # every valid content its owner pushed
        self.serial = 0

    # --- building entries ---------------------------------------------------

    def _notes(self, words: str) -> str:
        self.serial += 1
        return f"#{self.serial} {words}".strip()

    def _new(self, kind: str, words: str) -> dict[str, Any]:
        return encounter(kind, notes=self._notes(words))

    def _ids(self, owner: str | None = None, min_version: int = 1) -> list[str]:
        # In the order created (ids are random: sorting them would make the draws differ between runs).
        return [i for i, s in self.model.items() if (owner is None or s.owner == owner) and s.current >= min_version]

    # --- the model ----------------------------------------------------------

    def _predict(self, entry: dict[str, Any], officer: str) -> dict[str, Any]:
        """What the server must answer for a valid entry, applying it to the model."""
        entry_id, version, data = entry["id"], entry["version"], entry["data"]
        stored = self.model.get(entry_id)
        if stored is None:
            self.model[entry_id] = Stored(officer, version, {version: data})
            self.raws[(entry_id, version)] = entry
            self.submitted.add((entry_id, version, canonical(data)))
            return {"id": entry_id, "status": "created", "version": version}
        if stored.owner != officer:
            return {"id": entry_id, "status": "rejected", "version": version}
        self.submitted.add((entry_id, version, canonical(data)))
        same_version = stored.versions.get(version)
        if same_version is not None and canonical(same_version) == canonical(data):
            return {"id": entry_id, "status": "duplicate", "version": stored.current}
        if same_version is None and version == stored.current + 1 and entry["base_version"] == stored.current:
            stored.current = version
            stored.versions[version] = data
            self.raws[(entry_id, version)] = entry
            return {"id": entry_id, "status": "updated", "version": version}
        self.conflicts.add((entry_id, version, canonical(data)))
        return {"id": entry_id, "status": "conflict", "version": version, "current_version": stored.current}

    def _push(self, device: str, sent: list[Sent]) -> Batch:
        """Push through the real endpoint and check every receipt against the model."""
        officer = DEVICES[device]
        results = self.phones[device].push(*(s.raw for s in sent))
        assert len(results) == len(sent)
        expected: list[dict[str, Any] | None] = [None] * len(sent)
        for index, s in enumerate(sent):
            if not s.valid:
                expected[index] = {"id": s.raw["id"], "status": "rejected"}
        # The server applies valid entries in version order (all are encounters here).
        for index in sorted((i for i, s in enumerate(sent) if s.valid), key=lambda i: sent[i].raw["version"]):
            expected[index] = self._predict(sent[index].raw, officer)
        for index, (got, want) in enumerate(zip(results, expected, strict=True)):
            if want["status"] == "rejected":
                assert got["status"] == "rejected" and got["id"] == want["id"], (index, got, want)
                assert got.get("errors"), got
                if sent[index].valid:
                    assert got["version"] == want["version"], (index, got, want)
                continue
            errors = got.pop("errors", None)
            assert got == want, (index, got, want, errors)
            assert (errors is not None) == (want["status"] == "conflict"), (got, errors)
        return Batch(device, tuple(sent))

    # --- rules --------------------------------------------------------------

    @rule(target=batches, device=st.sampled_from(sorted(DEVICES)),
          specs=st.lists(st.tuples(st.sampled_from(KINDS), WORDS), min_size=1, max_size=5))
    def push_new(self, device, specs):
        return self._push(device, [Sent(self._new(kind, words), True) for kind, words in specs])

    @rule(target=batches, batch=batches, data=st.data())
    def retry(self, batch, data):
        """The same batch again, exactly, from any phone of the same officer (a lost receipt)."""
        device = data.draw(st.sampled_from(OFFICERS[DEVICES[batch.device]]), label="device")
        return self._push(device, list(batch.entries))

    @precondition(lambda self: self.model)
    @rule(target=batches, data=st.data(), words=WORDS)
    def edit_current(self, data, words):
        """An edit made from the stored version: updated."""
        entry_id = data.draw(st.sampled_from(self._ids()), label="entry")
        stored = self.model[entry_id]
        device = data.draw(st.sampled_from(OFFICERS[stored.owner]), label="device")
        changed = edit(self.raws[(entry_id, stored.current)], notes=self._notes(words))
        return self._push(device, [Sent(changed, True)])

    @precondition(lambda self: self._ids(min_version=2))
    @rule(target=batches, data=st.data(), words=WORDS)
    def edit_stale(self, data, words):
        """An edit made from an older version on a phone that missed the newer one: conflict."""
        entry_id = data.draw(st.sampled_from(self._ids(min_version=2)), label="entry")
        stored = self.model[entry_id]
        base = data.draw(st.integers(1, stored.current - 1), label="base")
        device = data.draw(st.sampled_from(OFFICERS[stored.owner]), label="device")
        changed = edit(self.raws[(entry_id, base)], notes=self._notes(words))
        return self._push(device, [Sent(changed, True)])

    @precondition(lambda self: self.model)
    @rule(target=batches, data=st.data(), words=WORDS)
    def clash(self, data, words):
        """A stored id and version with other content: conflict, kept as a copy."""
        entry_id = data.draw(st.sampled_from(self._ids()), label="entry")
        stored = self.model[entry_id]
        version = data.draw(st.integers(1, stored.current), label="version")
        device = data.draw(st.sampled_from(OFFICERS[stored.owner]), label="device")
        raw = self.raws[(entry_id, version)]
        other = {**raw, "captured_at": ago(0.5), "data": {**raw["data"], "notes": self._notes(words)}}
        return self._push(device, [Sent(other, True)])

    @precondition(lambda self: self.model)
    @rule(target=batches, data=st.data(), words=WORDS)
    def edit_skipping_a_version(self, data, words):
        """Version current+2 based on current+1, which the server never saw: conflict (for now)."""
        entry_id = data.draw(st.sampled_from(self._ids()), label="entry")
        stored = self.model[entry_id]
        device = data.draw(st.sampled_from(OFFICERS[stored.owner]), label="device")
        base = edit(self.raws[(entry_id, stored.current)], notes=self._notes(words))
        skipped = edit(base, notes=self._notes(words))
        return self._push(device, [Sent(skipped, True)])

    @rule(target=batches, device=st.sampled_from(sorted(DEVICES)), kind=st.sampled_from(KINDS),
          words=WORDS, order=st.booleans())
    def new_entry_and_its_edit_together(self, device, kind, words, order):
        """Version 1 and version 2 of a new entry in one batch, in either order: both stored."""
        first = self._new(kind, words)
        second = edit(first, notes=self._notes(words))
        return self._push(device, [Sent(second, True), Sent(first, True)] if order
                          else [Sent(first, True), Sent(second, True)])

    @precondition(lambda self: self._ids("pc1") and self._ids("pc2"))
    @rule(target=batches, data=st.data(), words=WORDS)
    def edit_of_another_officers_entry(self, data, words):
        """Rejected, and nothing stored."""
        device = data.draw(st.sampled_from(sorted(DEVICES)), label="device")
        other = "pc2" if DEVICES[device] == "pc1" else "pc1"
        entry_id = data.draw(st.sampled_from(self._ids(other)), label="entry")
        stored = self.model[entry_id]
        changed = edit(self.raws[(entry_id, stored.current)], notes=self._notes(words))
        return self._push(device, [Sent(changed, True)])

    @rule(target=batches, device=st.sampled_from(sorted(DEVICES)),
          specs=st.lists(st.tuples(st.sampled_from(KINDS), WORDS), min_size=0, max_size=4),
          invalid=st.sampled_from(INVALID), position=st.integers(0, 4), data=st.data())
    def batch_with_an_invalid_entry(self, device, specs, invalid, position, data):
        """One invalid entry among valid ones: it is rejected, the rest stored."""
        bad = self._invalid(invalid, DEVICES[device], data)
        sent = [Sent(self._new(kind, words), True) for kind, words in specs]
        sent.insert(min(position, len(sent)), Sent(bad, False))
        return self._push(device, sent)

    def _invalid(self, how: str, officer: str, data) -> dict[str, Any]:
        entry = self._new("stop_account", "invalid")
        if how == "no_bwv":
            del entry["data"]["bwv_used"]
        elif how == "unknown_field":
            entry["data"]["colour"] = "blue"
        elif how == "bad_kind":
            entry["data"]["kind"] = "jaywalking"
        elif how == "version_zero":
            entry["version"] = 0
        elif how == "naive_time":
            entry["data"]["occurred_at"] = "2026-01-01T10:00:00"
        elif how == "half_coordinates":
            entry["data"]["latitude"] = 51.7
        elif how == "bad_base":
            entry["version"], entry["base_version"] = 3, 1
        elif how == "invalid_edit" and self._ids(officer):
            # An edit of one's own stored entry that breaks a field rule: the stored entry is untouched.
            entry_id = data.draw(st.sampled_from(self._ids(officer)), label="entry")
            entry = edit(self.raws[(entry_id, self.model[entry_id].current)], notes=self._notes("bad"))
            entry["data"]["location_text"] = "x" * 501
        else:
            entry["data"]["notes"] = 17
        return entry

    # --- invariants ---------------------------------------------------------

    @invariant()
    def server_equals_model(self):
        names = {user_id: name for name, user_id in self.user_ids.items()}
        entries = {str(i): (names[author], version)
                   for i, author, version in db.session.execute(select(Entry.id, Entry.author_id, Entry.version))}
        assert entries == {i: (s.owner, s.current) for i, s in self.model.items()}
        versions = {(str(i), v): canonical(d)
                    for i, v, d in db.session.execute(select(EntryVersion.entry_id, EntryVersion.version,
                                                             EntryVersion.data))}
        assert versions == {(i, v): canonical(d) for i, s in self.model.items() for v, d in s.versions.items()}
        copies = [(str(i), v, canonical(d))
                  for i, v, d in db.session.execute(select(ConflictCopy.entry_id, ConflictCopy.version,
                                                           ConflictCopy.data))]
        assert len(copies) == len(set(copies)), "a conflict copy was stored twice"
        assert set(copies) == self.conflicts
        # The typed content row follows the current version.
        notes = {str(i): n for i, n in db.session.execute(select(Encounter.entry_id, Encounter.notes))}
        assert notes == {i: s.versions[s.current]["notes"] for i, s in self.model.items()}
        # Nothing submitted is lost: every valid content is a version or a conflict copy.
        kept = {(i, v, d) for (i, v), d in versions.items()} | set(copies)
        assert self.submitted <= kept, self.submitted - kept
        db.session.rollback()


@pytest.fixture(autouse=True)
def _signed_in_phones(app, sign_in_device):
    """Sign the three phones in once per test; every run of the machine reuses them."""
    phones = {"a1": sign_in_device("pc1", device_name="Phone one"),
              "a2": sign_in_device("pc1", device_name="Phone two"),
              "b1": sign_in_device("pc2", device_name="Other officer's phone")}
    SyncMachine.phones = phones
    SyncMachine.user_ids = {name: db.session.scalar(select(User.id).where(User.username == name))
                            for name in OFFICERS}
    yield
    SyncMachine.phones = SyncMachine.user_ids = None


SyncMachine.TestCase.settings = settings(
    max_examples=30, stateful_step_count=25, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
TestSyncMachine = SyncMachine.TestCase
