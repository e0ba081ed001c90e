"""validate_entry for postbox visits and postbox items."""
import uuid
from datetime import datetime, timezone

import pytest

from sync import ValidationContext, validate_entry
from sync.schema import POSTBOX_ITEM_FIELDS, POSTBOX_VISIT_FIELDS

VISIT_ID = "9a0e6f7c-1b2d-4e3f-8a9b-0c1d2e3f4a5b"


def _errors(ctx, raw):
    entry, errors = validate_entry(raw, ctx)
    assert (entry is None) == bool(errors)
    return errors


# --- postbox_visit -------------------------------------------------------------
@pytest.mark.parametrize("full", [False, True])
def test_valid_visit(ctx, make_entry, full):
    raw = make_entry("postbox_visit", full=full)
    entry, errors = validate_entry(raw, ctx)
    assert errors == {}
    assert entry.data == raw["data"]
    assert set(entry.values) == set(POSTBOX_VISIT_FIELDS)
    assert entry.values["visited_at"] == datetime(2026, 11, 27, 9, tzinfo=timezone.utc)
    assert entry.values["postbox_id"] == 2 and entry.values["item_count"] == 3
    assert entry.values["notes"] == ("Lock stiff." if full else None)


@pytest.mark.parametrize(("field", "message"), [
    ("postbox_id", "Postbox is required."), ("visited_at", "Date and time of visit is required."),
    ("box_condition", "Box condition is required."), ("item_count", "Number of items is required."),
])
def test_visit_required(ctx, make_entry, field, message):
    assert _errors(ctx, make_entry("postbox_visit", drop=(field,))) == {field: message}


@pytest.mark.parametrize(("value", "message"), [
    (4, "Unknown postbox."), (0, "Postbox must be between 1 and 2147483647."),
    (-1, "Postbox must be between 1 and 2147483647."), (2**31, "Postbox must be between 1 and 2147483647."),
    (True, "Postbox must be a whole number."), (2.0, "Postbox must be a whole number."),
    ("2", "Postbox must be a whole number."), ([2], "Postbox must be a whole number."),
])
def test_postbox_id(ctx, make_entry, value, message):
    assert _errors(ctx, make_entry("postbox_visit", postbox_id=value)) == {"postbox_id": message}


def test_postbox_existence_not_checked_without_ids(ctx, make_entry):
    open_ctx = ValidationContext(reference=ctx.reference, now=ctx.now, postbox_ids=None)
    assert _errors(open_ctx, make_entry("postbox_visit", postbox_id=999)) == {}
    empty_ctx = ValidationContext(reference=ctx.reference, now=ctx.now, postbox_ids=frozenset())
    assert _errors(empty_ctx, make_entry("postbox_visit")) == {"postbox_id": "Unknown postbox."}


@pytest.mark.parametrize(("value", "message"), [
    (0, None), (10000, None), (-1, "Number of items must be between 0 and 10000."),
    (10001, "Number of items must be between 0 and 10000."), (1.5, "Number of items must be a whole number."),
    (False, "Number of items must be a whole number."),
])
def test_item_count(ctx, make_entry, value, message):
    errors = _errors(ctx, make_entry("postbox_visit", item_count=value))
    assert errors == ({} if message is None else {"item_count": message})


@pytest.mark.parametrize("value", ["ok", "damaged", "tampered", "missing", "full"])
def test_box_conditions(ctx, make_entry, value):
    assert _errors(ctx, make_entry("postbox_visit", box_condition=value)) == {}


def test_box_condition_list(ctx, make_entry):
    assert _errors(ctx, make_entry("postbox_visit", box_condition="wet")) == {
        "box_condition": "Not a value of the box_conditions list."}


def test_visit_notes_limit_and_type(ctx, make_entry):
    assert _errors(ctx, make_entry("postbox_visit", notes="n" * 4000)) == {}
    assert _errors(ctx, make_entry("postbox_visit", notes="n" * 4001)) == {
        "notes": "Notes must be at most 4,000 characters."}
    assert _errors(ctx, make_entry("postbox_visit", notes=7)) == {"notes": "Notes must be text."}


def test_visit_rejects_encounter_fields(ctx, make_entry):
    assert _errors(ctx, make_entry("postbox_visit", kind="other", latitude=1.0)) == {
        "kind": "Unknown field.", "latitude": "Unknown field."}


# --- postbox_item ----------------------------------------------------------------
def test_minimal_item_gets_defaults(ctx, make_entry):
    entry, errors = validate_entry(make_entry("postbox_item"), ctx)
    assert errors == {}
    assert entry.data == {
        "visit_id": VISIT_ID, "topics": ["drugs"], "summary": "People dealing by the bus shelter after 10pm.",
        "anonymity": "anonymous", "urgency": "routine", "safeguarding": False,
        "identifies_author": False, "action": "none",
    }
    assert set(entry.values) == set(POSTBOX_ITEM_FIELDS)
    assert entry.values["visit_id"] == uuid.UUID(VISIT_ID)
    assert entry.values["safeguarding"] is False and entry.values["contact_details"] is None


def test_null_optional_fields_get_defaults_too(ctx, make_entry):
    raw = make_entry("postbox_item", anonymity=None, urgency="", safeguarding=None, action=None)
    entry, _ = validate_entry(raw, ctx)
    assert (entry.data["anonymity"], entry.data["urgency"], entry.data["action"]) == ("anonymous", "routine", "none")


def test_full_item(ctx, make_entry):
    raw = make_entry("postbox_item", full=True)
    entry, errors = validate_entry(raw, ctx)
    assert errors == {}
    assert entry.data == raw["data"]
    assert entry.values["topics"] == ["drugs", "anti-social-behaviour", "praise"]
    assert entry.values["identifies_author"] is True


def test_visit_id_is_stored_lower_case(ctx, make_entry):
    entry, _ = validate_entry(make_entry("postbox_item", visit_id=VISIT_ID.upper()), ctx)
    assert entry.data["visit_id"] == VISIT_ID


@pytest.mark.parametrize("bad", ["visit-1", VISIT_ID.replace("-", ""), 17, [VISIT_ID]])
def test_visit_id_must_be_uuid(ctx, make_entry, bad):
    assert _errors(ctx, make_entry("postbox_item", visit_id=bad)) == {
        "visit_id": "Visit must be a UUID (8-4-4-4-12 hexadecimal digits)."}


@pytest.mark.parametrize(("field", "message"), [
    ("visit_id", "Visit is required."), ("summary", "Write what the card says, or take a photo of it."),
    ("topics", "Choose at least one of the topics list."),
])
def test_item_required(ctx, make_entry, field, message):
    assert _errors(ctx, make_entry("postbox_item", drop=(field,))) == {field: message}


@pytest.mark.parametrize(("topics", "message"), [
    ([], "Choose at least one of the topics list."),
    ("drugs", "Topics must be a list."),
    ({"drugs": True}, "Topics must be a list."),
    (["drugs", "drugs"], "Topics must not repeat a value."),
    (["drugs", "aliens"], "Not a value of the topics list."),
    (["drugs", 3], "Not a value of the topics list."),
    ([["drugs"]], "Not a value of the topics list."),
    ([{"v": "drugs"}], "Not a value of the topics list."),
    ([None], "Not a value of the topics list."),
])
def test_topics(ctx, make_entry, topics, message):
    assert _errors(ctx, make_entry("postbox_item", topics=topics)) == {"topics": message}


def test_every_topic_at_once_is_valid(ctx, make_entry):
    every = sorted(ctx.reference.values("topics"))
    assert _errors(ctx, make_entry("postbox_item", topics=every)) == {}


def test_contact_details_required_when_contact_requested(ctx, make_entry):
    assert _errors(ctx, make_entry("postbox_item", anonymity="contact_requested")) == {
        "contact_details": "Give contact details when the resident asks to be contacted."}


@pytest.mark.parametrize("anonymity", ["anonymous", "named_no_contact", None])
def test_contact_details_forbidden_otherwise(ctx, make_entry, anonymity):
    raw = make_entry("postbox_item", anonymity=anonymity, contact_details="07700 900123")
    assert _errors(ctx, raw) == {
        "contact_details": "Contact details are kept only when the resident asks to be contacted."}


@pytest.mark.parametrize("blank", [None, ""])
def test_blank_contact_details_fine_when_anonymous(ctx, make_entry, blank):
    entry, errors = validate_entry(make_entry("postbox_item", contact_details=blank), ctx)
    assert errors == {} and "contact_details" not in entry.data


def test_bad_anonymity_skips_the_contact_rule(ctx, make_entry):
    raw = make_entry("postbox_item", anonymity="secret", contact_details="x")
    assert _errors(ctx, raw) == {"anonymity": "Not a value of the anonymity list."}


@pytest.mark.parametrize(("field", "list_name"), [
    ("anonymity", "anonymity"), ("urgency", "urgency"), ("action", "item_actions")])
def test_item_list_fields(ctx, make_entry, field, list_name):
    assert _errors(ctx, make_entry("postbox_item", **{field: "nope"})) == {
        field: f"Not a value of the {list_name} list."}


@pytest.mark.parametrize("field", ["safeguarding", "identifies_author"])
@pytest.mark.parametrize("bad", [1, "false", [False]])
def test_item_booleans(ctx, make_entry, field, bad):
    assert _errors(ctx, make_entry("postbox_item", **{field: bad}))[field].endswith("must be true or false.")


@pytest.mark.parametrize(("given", "missing"), [("latitude", "longitude"), ("longitude", "latitude")])
def test_item_coordinates_pair(ctx, make_entry, given, missing):
    assert _errors(ctx, make_entry("postbox_item", **{given: 1.0})) == {
        missing: "Give both latitude and longitude, or neither."}


def test_item_coordinate_range(ctx, make_entry):
    assert _errors(ctx, make_entry("postbox_item", latitude=95.0, longitude=0.0)) == {
        "latitude": "Latitude must be between -90 and 90."}


@pytest.mark.parametrize(("field", "limit", "label", "extra"), [
    ("summary", 4000, "Summary", {}),
    ("location_text", 500, "Location", {}),
    ("contact_details", 1000, "Contact details", {"anonymity": "contact_requested"}),
])
def test_item_length_limits(ctx, make_entry, field, limit, label, extra):
    assert _errors(ctx, make_entry("postbox_item", **extra, **{field: "y" * limit})) == {}
    assert _errors(ctx, make_entry("postbox_item", **extra, **{field: "y" * (limit + 1)})) == {
        field: f"{label} must be at most {limit:,} characters."}


@pytest.mark.parametrize("field", ["summary", "location_text"])
def test_item_text_must_be_string(ctx, make_entry, field):
    assert _errors(ctx, make_entry("postbox_item", **{field: 42})) == {field: f"{POSTBOX_ITEM_FIELDS[field].label} must be text."}


def test_item_rejects_unknown_fields(ctx, make_entry):
    assert _errors(ctx, make_entry("postbox_item", author_name="Jo")) == {"author_name": "Unknown field."}
