"""What happens to a valid entry, given what the server already stores.

Pure: the caller looks up ``Stored`` (under a lock on the entry id) and
applies the decision. Nothing is ever overwritten silently: anything that
is not a clean next version is a conflict, kept for a person to resolve.
An entry keeps the type it was created with: its content lives in that
type's table, and every page and export reads it from there.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sync.validation import Entry


@dataclass(frozen=True)
class Stored:
    """The server's record of an entry id.

    ``version_hash`` is the content hash of the stored version numbered
    ``entry.version``, or None when that version is not stored; ``type`` is
    the entry type it was created with.
    """

    author_id: int
    current_version: int
    version_hash: str | None
    type: str


#: How the refusal of a change of type names each type.
TYPE_NAMES = {"encounter": "an encounter", "postbox_visit": "a postbox visit", "postbox_item": "a resident's card"}


def type_changed(stored_type: str) -> str:
    """The error on ``type`` of an edit that would change an entry of ``stored_type`` into another type."""
    return (f"An entry keeps its type: this one is {TYPE_NAMES.get(stored_type, stored_type)} ({stored_type}); "
            "record a new entry instead.")


class Status(StrEnum):
    """The per-entry result sent back in the sync receipt."""

    CREATED = "created"
    DUPLICATE = "duplicate"
    UPDATED = "updated"
    CONFLICT = "conflict"
    REJECTED = "rejected"


def decide(entry: Entry, stored: Stored | None, author_id: int) -> tuple[Status, dict[str, str]]:
    """Decide the fate of ``entry`` sent by officer ``author_id``.

    Returns the status and, for CONFLICT and REJECTED, errors by field name.
    """
    if stored is None:
        # Even a version > 1: earlier versions never arrived; keep this one.
        return Status.CREATED, {}
    if stored.author_id != author_id:
        return Status.REJECTED, {"id": "This entry belongs to another officer."}
    if stored.type != entry.type:
        # Before the conflict branches too: a conflict copy never carries another type.
        return Status.REJECTED, {"type": type_changed(stored.type)}
    if stored.version_hash == entry.content_hash:
        # A retry after a lost receipt, perhaps of an older version.
        return Status.DUPLICATE, {}
    if stored.version_hash is not None:
        return Status.CONFLICT, {"version": (
            f"Version {entry.version} of this entry was already received with different content.")}
    if entry.version == stored.current_version + 1 and entry.base_version == stored.current_version:
        return Status.UPDATED, {}
    return Status.CONFLICT, {"base_version": (
        f"This edit is based on version {entry.base_version}, "
        f"but the server has version {stored.current_version}.")}
