"""validate_entry: the envelope (id, type, version, base_version,
captured_at, data), the Entry it builds, and the content hash."""
import hashlib
import json
import uuid
from datetime import datetime, timezone

import pytest

from sync import Entry, content_hash, validate_entry


def test_valid_entry_builds_entry(ctx, make_entry):
    entry, errors = validate_entry(make_entry("stop_account"), ctx)
    assert errors == {}
    assert isinstance(entry, Entry)
    assert entry.id == uuid.UUID("3f2b8c1e-5d4a-4b7e-9c1d-2a6f0e8b7c11")
    assert entry.type == "encounter"
    assert (entry.version, entry.base_version) == (1, None)
    assert entry.captured_at == datetime(2026, 11, 27, 10, 20, tzinfo=timezone.utc)


def test_content_hash_is_sha256_of_canonical_json(ctx, make_entry):
    entry, _ = validate_entry(make_entry("postbox_item", summary="Café – “quotes”"), ctx)
    canonical = json.dumps({"type": "postbox_item", "data": entry.data}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    assert entry.content_hash == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert entry.content_hash == content_hash("postbox_item", entry.data)


def test_hash_ignores_key_order_and_envelope(ctx, make_entry):
    raw = make_entry("stop_search", full=True)
    shuffled = dict(reversed(list(raw["data"].items())))
    other = {**raw, "data": shuffled, "id": str(uuid.uuid4()), "captured_at": "2026-11-27T11:00:00Z"}
    assert validate_entry(raw, ctx)[0].content_hash == validate_entry(other, ctx)[0].content_hash


def test_hash_changes_with_content(ctx, make_entry):
    a = validate_entry(make_entry("other", notes="one"), ctx)[0]
    b = validate_entry(make_entry("other", notes="two"), ctx)[0]
    assert a.content_hash != b.content_hash


def test_hash_ignores_blank_optional_fields(ctx, make_entry):
    # null and "" mean "not given": a resend with them is the same content.
    a = validate_entry(make_entry("other"), ctx)[0]
    b = validate_entry(make_entry("other", notes="", gender=None, latitude=None), ctx)[0]
    assert a.data == b.data and a.content_hash == b.content_hash


@pytest.mark.parametrize("raw", [None, [], [{}], "entry", 1, 1.5, True])
def test_non_object_entry(ctx, raw):
    assert validate_entry(raw, ctx) == (None, {"entry": "An entry must be a JSON object."})


def test_empty_object_reports_every_envelope_field(ctx):
    entry, errors = validate_entry({}, ctx)
    assert entry is None
    assert set(errors) == {"id", "type", "version", "captured_at", "data"}
    assert errors["id"] == "Id is required."
    assert errors["version"] == "Version is required."


def test_unknown_envelope_key_is_named(ctx, make_entry):
    raw = make_entry("other")
    raw["author"] = 5
    raw["Data"] = {}
    entry, errors = validate_entry(raw, ctx)
    assert entry is None
    assert errors == {"author": "Unknown field.", "Data": "Unknown field."}


def test_all_errors_are_collected(ctx, make_entry):
    raw = make_entry("stop_search", grounds="too short", outcome="Fined", drop=("bwv_used",))
    raw["version"] = 0
    _, errors = validate_entry(raw, ctx)
    assert set(errors) == {"version", "grounds", "outcome", "bwv_used"}


@pytest.mark.parametrize("good", [
    "3f2b8c1e-5d4a-4b7e-9c1d-2a6f0e8b7c11",
    "3F2B8C1E-5D4A-4B7E-9C1D-2A6F0E8B7C11",
    "00000000-0000-0000-0000-000000000000",
    "3f2b8c1e-5d4a-1b7e-0c1d-2a6f0e8b7c11",  # any version/variant
])
def test_id_accepts_canonical_uuids_in_any_case(ctx, make_entry, good):
    raw = make_entry("other")
    raw["id"] = good
    entry, errors = validate_entry(raw, ctx)
    assert errors == {}
    assert entry.id == uuid.UUID(good)


@pytest.mark.parametrize("bad", [
    "3f2b8c1e5d4a4b7e9c1d2a6f0e8b7c11", "{3f2b8c1e-5d4a-4b7e-9c1d-2a6f0e8b7c11}",
    "urn:uuid:3f2b8c1e-5d4a-4b7e-9c1d-2a6f0e8b7c11", "3f2b8c1e-5d4a-4b7e-9c1d-2a6f0e8b7c1",
    "3f2b8c1e-5d4a-4b7e-9c1d-2a6f0e8b7c11 ", "3f2b8c1g-5d4a-4b7e-9c1d-2a6f0e8b7c11",
    "３f2b8c1e-5d4a-4b7e-9c1d-2a6f0e8b7c11", "", 12345, ["x"], {"a": 1}, True,
])
def test_id_rejects_other_forms(ctx, make_entry, bad):
    raw = make_entry("other")
    raw["id"] = bad
    entry, errors = validate_entry(raw, ctx)
    assert entry is None
    assert errors == {"id": "Id must be a UUID (8-4-4-4-12 hexadecimal digits)."}


@pytest.mark.parametrize("bad", ["Encounter", "stop_search", "", 1, ["encounter"], {"x": 1}, False])
def test_type_must_be_known(ctx, make_entry, bad):
    raw = make_entry("other")
    raw["type"] = bad
    assert validate_entry(raw, ctx) == (
        None, {"type": "Type must be one of encounter, postbox_item, postbox_visit."})


def test_type_is_required(ctx, make_entry):
    raw = make_entry("other")
    del raw["type"]
    assert validate_entry(raw, ctx) == (None, {"type": "Type is required."})


@pytest.mark.parametrize("bad", [0, -1, 2**31, 10**100, True, 1.0, "1", [1]])
def test_version_must_be_int_in_range(ctx, make_entry, bad):
    raw = make_entry("other")
    raw["version"] = bad
    entry, errors = validate_entry(raw, ctx)
    assert entry is None
    assert errors["version"] == "Version must be a whole number from 1 to 2147483647."


def test_version_is_required(ctx, make_entry):
    raw = make_entry("other")
    del raw["version"]
    assert validate_entry(raw, ctx)[1] == {"version": "Version is required."}


def test_base_version_may_be_absent_for_a_new_entry(ctx, make_entry):
    raw = make_entry("other")
    del raw["base_version"]
    entry, errors = validate_entry(raw, ctx)
    assert errors == {} and entry.base_version is None


@pytest.mark.parametrize(("version", "base"), [(2, 1), (3, 2), (2**31 - 1, 2**31 - 2)])
def test_edit_names_the_previous_version(ctx, make_entry, version, base):
    raw = make_entry("other")
    raw.update(version=version, base_version=base)
    entry, errors = validate_entry(raw, ctx)
    assert errors == {}
    assert (entry.version, entry.base_version) == (version, base)


def test_new_entry_has_no_base_version(ctx, make_entry):
    raw = make_entry("other")
    raw["base_version"] = 1
    assert validate_entry(raw, ctx)[1] == {
        "base_version": "A new entry (version 1) has no base version."}


@pytest.mark.parametrize(("version", "base"), [(2, None), (3, 1), (3, 3), (2, 5)])
def test_edit_with_wrong_base_version(ctx, make_entry, version, base):
    raw = make_entry("other")
    raw.update(version=version, base_version=base)
    assert validate_entry(raw, ctx)[1] == {
        "base_version": f"An edit to version {version} must have base version {version - 1}."}


@pytest.mark.parametrize("bad", [True, 1.0, "1", 0, -3, 2**31, [1]])
def test_base_version_type(ctx, make_entry, bad):
    raw = make_entry("other")
    raw.update(version=2, base_version=bad)
    assert validate_entry(raw, ctx)[1] == {"base_version": "Base version must be a whole number or null."}


@pytest.mark.parametrize(("value", "message"), [
    (None, "Captured at is required."),
    ("2026-11-27T10:20:00", "Captured at must include a UTC offset."),
    ("2026-11-27T14:00:00Z", "Captured at must not be in the future."),
    ("1999-12-31T23:59:59Z", "Captured at must not be before 2000."),
    ("yesterday", "Captured at must be an ISO 8601 date and time."),
    (1764238800, "Captured at must be an ISO 8601 date and time."),
])
def test_captured_at(ctx, make_entry, value, message):
    raw = make_entry("other")
    raw["captured_at"] = value
    assert validate_entry(raw, ctx) == (None, {"captured_at": message})


@pytest.mark.parametrize("bad", [None, [], "{}", 1, [{"kind": "other"}]])
def test_data_must_be_an_object(ctx, make_entry, bad):
    raw = make_entry("other")
    raw["data"] = bad
    assert validate_entry(raw, ctx) == (None, {"data": "Data must be an object."})


def test_data_missing(ctx, make_entry):
    raw = make_entry("other")
    del raw["data"]
    assert validate_entry(raw, ctx) == (None, {"data": "Data must be an object."})


def test_unknown_data_field_is_named(ctx, make_entry):
    entry, errors = validate_entry(make_entry("other", suspect_name="X", Notes="y"), ctx)
    assert entry is None
    assert errors == {"suspect_name": "Unknown field.", "Notes": "Unknown field."}


def test_unknown_data_field_never_hides_an_envelope_error(ctx, make_entry):
    raw = make_entry("other", version="data field")
    raw["version"] = 0
    _, errors = validate_entry(raw, ctx)
    assert errors["version"] == "Version must be a whole number from 1 to 2147483647."


def test_a_bug_inside_validation_becomes_an_entry_error(ctx, make_entry, monkeypatch):
    import sync.validation

    def boom(*args):
        raise RuntimeError("bug")
    monkeypatch.setattr(sync.validation, "content_hash", boom)
    assert validate_entry(make_entry("other"), ctx) == (None, {"entry": "This entry could not be checked."})
