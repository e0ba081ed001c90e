"""Supervisors' conflict resolution: a conflict copy made the entry's next version, or dismissed.

A conflict copy is kept when a phone pushed an edit based on a version that
had moved on (see ``sync.decisions``). The new version is stored exactly as
a push stores an edit (``fieldapp.api.ingest.apply_edit``), so the officer's
phone hears of it through the pull feed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from fieldapp.api.changes import record_changes
from fieldapp.api.ingest import Author, apply_edit, stored_visits, team_section60_windows
from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction, ConflictCopy, Entry as EntryRow, Postbox
from fieldapp.models.types import utcnow
from fieldapp.reference import reference_lists
from fieldapp.transactions import begin_write
from sync import ValidationContext, validate_entry


class ResolveError(ValueError):
    """A conflict copy could not become a new version; ``errors`` says which fields are at fault."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class AlreadyResolved(Exception):
    """Another supervisor dealt with the conflict copy first; nothing was changed."""


class EntryChanged(Exception):
    """The entry moved to another version since the supervisor looked; nothing was changed."""

    def __init__(self, version: int) -> None:
        super().__init__(f"the entry is now at version {version}")
        self.version = version


def _claim(copy: ConflictCopy) -> None:
    """Start the write and lock the copy's row, then read it again.

    Of two supervisors acting on one copy at the same moment, the second
    waits here for the first to commit and then finds the copy dealt with.
    """
    begin_write()
    resolved_at = db.session.scalar(select(ConflictCopy.resolved_at).where(ConflictCopy.id == copy.id)
                                    .with_for_update())
    if resolved_at is not None:
        db.session.rollback()
        raise AlreadyResolved


def resolve_conflict(copy: ConflictCopy, resolver_id: int, data: dict[str, Any] | None = None,
                     seen_version: int | None = None) -> int:
    """Make a conflict copy (or ``data`` merged by a supervisor) the entry's next version.

    The officer's phone hears of the new version through the pull feed.
    Returns the new version number; AlreadyResolved if someone else was first;
    EntryChanged if the entry is no longer at ``seen_version`` (the version
    the supervisor decided against), so that a version they never saw is not
    replaced unseen.
    """
    _claim(copy)
    # Read the entry again under its row lock: the caller's Entry object (the same one in the
    # session's identity map) may hold a version that another request has moved on since.
    entry = db.session.scalar(select(EntryRow).where(EntryRow.id == copy.entry_id).with_for_update()
                              .execution_options(populate_existing=True))
    if seen_version is not None and entry.version != seen_version:
        db.session.rollback()
        raise EntryChanged(entry.version)
    now = utcnow()
    raw = {"id": str(entry.id), "type": entry.type, "version": entry.version + 1, "base_version": entry.version,
           "captured_at": now.isoformat(), "data": data if data is not None else copy.data}
    content = data if data is not None else copy.data
    named = content.get("section60_authorisation") if isinstance(content, dict) else None
    windows = team_section60_windows(entry.team_id, {named.strip()} if isinstance(named, str) else set())
    ctx = ValidationContext(reference_lists(), now, set(db.session.scalars(select(Postbox.id))), windows)
    validated, errors = validate_entry(raw, ctx)
    if validated is None:
        db.session.rollback()
        raise ResolveError(errors)
    visits = stored_visits({validated.values["visit_id"]} if entry.type == "postbox_item" else set())
    apply_edit(validated, Author(resolver_id, entry.team_id, None), now, visits)
    copy.resolved_at, copy.resolved_by, copy.resolved_version = now, resolver_id, validated.version
    audit.record(AuditAction.ALTER, "entry", entry.id, f"conflict copy {copy.id} made version {validated.version}",
                 actor_id=resolver_id)
    record_changes([(entry.author_id, entry.id, entry.type, validated.version, None)])
    db.session.commit()
    return validated.version


def dismiss_conflict(copy: ConflictCopy, resolver_id: int) -> None:
    """Keep the stored version; the copy stays on record, marked resolved (AlreadyResolved if it was)."""
    _claim(copy)
    entry_version = db.session.scalar(select(EntryRow.version).where(EntryRow.id == copy.entry_id))
    copy.resolved_at, copy.resolved_by, copy.resolved_version = utcnow(), resolver_id, entry_version
    audit.record(AuditAction.ALTER, "entry", copy.entry_id, f"conflict copy {copy.id} dismissed",
                 actor_id=resolver_id)
    db.session.commit()
