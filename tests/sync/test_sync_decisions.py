"""decide(): every branch of what happens to a valid entry."""
import uuid
from datetime import datetime, timezone

import pytest

from sync import Entry, Status, Stored, decide

OFFICER = 7
OTHER_OFFICER = 8


def _entry(version: int = 1, base_version: int | None = None, content_hash: str = "h-new") -> Entry:
    return Entry(id=uuid.uuid4(), type="encounter", version=version, base_version=base_version,
                 captured_at=datetime(2026, 11, 27, tzinfo=timezone.utc), data={}, values={},
                 content_hash=content_hash)


def test_status_values_are_strings():
    assert [s.value for s in Status] == ["created", "duplicate", "updated", "conflict", "rejected"]
    assert Status.CREATED == "created"


def test_new_id_is_created():
    assert decide(_entry(), None, OFFICER) == (Status.CREATED, {})


def test_unseen_id_at_a_later_version_is_still_created():
    # Earlier versions never reached the server: keep this one, lose nothing.
    assert decide(_entry(version=4, base_version=3), None, OFFICER) == (Status.CREATED, {})


def test_another_officers_entry_is_rejected():
    stored = Stored(author_id=OTHER_OFFICER, current_version=1, version_hash="h-new", type="encounter")
    status, errors = decide(_entry(), stored, OFFICER)
    assert status is Status.REJECTED
    assert errors == {"id": "This entry belongs to another officer."}


def test_retry_with_same_content_is_duplicate():
    stored = Stored(author_id=OFFICER, current_version=1, version_hash="h-new", type="encounter")
    assert decide(_entry(), stored, OFFICER) == (Status.DUPLICATE, {})


def test_late_retry_of_an_older_version_is_duplicate():
    stored = Stored(author_id=OFFICER, current_version=5, version_hash="h-new", type="encounter")
    assert decide(_entry(version=2, base_version=1), stored, OFFICER) == (Status.DUPLICATE, {})


def test_same_version_with_other_content_is_conflict():
    stored = Stored(author_id=OFFICER, current_version=2, version_hash="h-old", type="encounter")
    status, errors = decide(_entry(version=2, base_version=1), stored, OFFICER)
    assert status is Status.CONFLICT
    assert "different content" in errors["version"]


def test_next_version_from_current_is_updated():
    stored = Stored(author_id=OFFICER, current_version=2, version_hash=None, type="encounter")
    assert decide(_entry(version=3, base_version=2), stored, OFFICER) == (Status.UPDATED, {})


@pytest.mark.parametrize(("version", "base", "current"), [
    (2, 1, 3),   # stale: the server first saw this id at version 3, so holds no version 2
    (5, 4, 2),   # gap: versions 3 and 4 never arrived
    (4, 3, 4),   # same version number as current, but that version's hash is not stored
])
def test_stale_or_gapped_edit_is_conflict(version, base, current):
    stored = Stored(author_id=OFFICER, current_version=current, version_hash=None, type="encounter")
    status, errors = decide(_entry(version=version, base_version=base), stored, OFFICER)
    assert status is Status.CONFLICT
    assert errors == {"base_version": f"This edit is based on version {base}, "
                                      f"but the server has version {current}."}


def test_author_is_checked_before_duplicate():
    # Another officer must not learn that their copy matches someone's entry.
    stored = Stored(author_id=OTHER_OFFICER, current_version=1, version_hash="h-new", type="encounter")
    assert decide(_entry(), stored, OFFICER)[0] is Status.REJECTED


@pytest.mark.parametrize(("stored_hash", "current", "version", "base"), [
    (None, 1, 2, 1),      # what would be a clean next version
    (None, 3, 2, 1),      # what would be a conflict (stale)
    ("h-old", 2, 2, 1),   # what would be a conflict (same version, other content)
])
def test_an_entry_keeps_its_type(stored_hash, current, version, base):
    # Checked before the conflict branches: a conflict copy never carries another type.
    stored = Stored(author_id=OFFICER, current_version=current, version_hash=stored_hash, type="postbox_visit")
    status, errors = decide(_entry(version=version, base_version=base), stored, OFFICER)
    assert status is Status.REJECTED
    assert errors == {"type": "An entry keeps its type: this one is a postbox visit (postbox_visit); "
                              "record a new entry instead."}


def test_author_is_checked_before_type():
    stored = Stored(author_id=OTHER_OFFICER, current_version=1, version_hash=None, type="postbox_visit")
    assert decide(_entry(version=2, base_version=1), stored, OFFICER) == (
        Status.REJECTED, {"id": "This entry belongs to another officer."})
