"""The fields of each entry type, and which encounter kind owns which field.

Allowed values live in the reference file; this module only says which list
each field draws from, its limits and its label for messages. What each kind
or action requires, and the other rules between fields, are in the rule
table beside this one (sync.conditions).
"""
from __future__ import annotations

from sync.fields import (
    MAX_INT32, Field, parse_bool, parse_choice, parse_choices, parse_date,
    parse_datetime, parse_ids, parse_int, parse_number, parse_text, parse_uuid,
)
from sync.receipts import parse_receipt_ref

FREE_TEXT = 4000
# Photos one entry may list (each uploaded on its own: PUT /api/entries/{id}/photos/{photo_id}).
MAX_PHOTOS = 10


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def text(name: str, label: str = "", max_len: int = 200, min_len: int = 0) -> Field:
    """A string field (default limit 200 characters)."""
    return Field(name, label or _label(name), parse_text, max_len=max_len, min_len=min_len)


def choice(name: str, list_name: str, label: str = "") -> Field:
    """One value of a reference list."""
    return Field(name, label or _label(name), parse_choice, list_name=list_name)


def choices(name: str, list_name: str, label: str = "") -> Field:
    """One or more distinct values of a reference list."""
    return Field(name, label or _label(name), parse_choices, list_name=list_name)


def flag(name: str, label: str = "") -> Field:
    """A boolean."""
    return Field(name, label or _label(name), parse_bool)


def integer(name: str, low: int, high: int, label: str = "") -> Field:
    """A whole number in low..high."""
    return Field(name, label or _label(name), parse_int, low=low, high=high)


def number(name: str, low: float, high: float | None, label: str = "") -> Field:
    """A finite number in low..high (no upper bound when high is None)."""
    return Field(name, label or _label(name), parse_number, low=low, high=high)


def moment(name: str, label: str) -> Field:
    """An ISO 8601 date and time with an offset."""
    return Field(name, label, parse_datetime)


def photos() -> Field:
    """The ids of the entry's photos (uploaded afterwards, one PUT each)."""
    return Field("photos", "Photos", parse_ids, high=MAX_PHOTOS)


def _index(*fields: Field) -> dict[str, Field]:
    return {f.name: f for f in fields}


# --- encounter -------------------------------------------------------------
ENCOUNTER_COMMON = _index(
    choice("kind", "encounter_kinds"),
    moment("occurred_at", "Date and time"),
    number("latitude", -90, 90),
    number("longitude", -180, 180),
    number("location_accuracy_m", 0, None, "Location accuracy"),
    text("location_text", "Location", max_len=500),
    choice("gender", "genders"),
    choice("age_range", "age_ranges"),
    choice("self_defined_ethnicity", "self_defined_ethnicities", "Self-defined ethnicity"),
    choice("officer_defined_ethnicity", "officer_defined_ethnicities", "Officer-defined ethnicity"),
    flag("bwv_used", "Body-worn video used"),
    text("bwv_reason_not_used", "Reason body-worn video was not used", max_len=FREE_TEXT),
    text("bwv_footage_ref", "Footage reference", max_len=100),
    text("notes", max_len=FREE_TEXT),
    photos(),
)

# Fields that belong to one kind only; any other kind must leave them empty.
ENCOUNTER_BY_KIND: dict[str, dict[str, Field]] = {
    "stop_search": _index(
        choice("search_type", "search_types"),
        choice("legislation", "legislation"),
        choice("object_of_search", "objects_of_search"),
        text("grounds", max_len=FREE_TEXT, min_len=20),
        choice("outcome", "outcomes"),
        flag("outcome_linked_to_object_of_search"),
        flag("removal_of_more_than_outer_clothing"),
        text("vehicle_registration", max_len=20),
        text("operation_name", max_len=200),
        # The receipt given at the scene (sync.receipts): made on the phone, unique.
        Field("receipt_ref", "Receipt reference", parse_receipt_ref),
        # The grounds prompts' warnings the officer saw, and whether the grounds changed after.
        choices("grounds_warnings", "grounds_warnings", "Grounds warnings shown"),
        flag("grounds_changed", "Grounds changed after a warning"),
        # A section 60 search names the authorisation it was made under (its reference).
        text("section60_authorisation", "Section 60 authorisation", max_len=40),
    ),
    "stop_account": {},
    "asb": _index(
        choice("asb_category", "asb_categories", "ASB category"),
        choice("asb_action", "asb_actions", "ASB action"),
        text("authorisation_ref", "Authorisation reference", max_len=100),
        integer("exclusion_hours", 1, 48, "Exclusion period (hours)"),
        text("area_description", "Area", max_len=FREE_TEXT),
        text("conduct", max_len=FREE_TEXT),
        Field("comply_by", "Comply by", parse_date),
    ),
    "begging": _index(flag("support_offered"), flag("referral_made"),
                      text("referral_org", "Organisation referred to")),
    "other": {},
}
ENCOUNTER_BY_KIND["welfare_check"] = ENCOUNTER_BY_KIND["begging"]

ENCOUNTER_FIELDS = {**ENCOUNTER_COMMON}
for _owned in ENCOUNTER_BY_KIND.values():
    ENCOUNTER_FIELDS.update(_owned)

# --- postbox ---------------------------------------------------------------
POSTBOX_VISIT_FIELDS = _index(
    integer("postbox_id", 1, MAX_INT32, "Postbox"),
    moment("visited_at", "Date and time of visit"),
    choice("box_condition", "box_conditions"),
    integer("item_count", 0, 10000, "Number of items"),
    text("notes", max_len=FREE_TEXT),
)

POSTBOX_ITEM_FIELDS = _index(
    Field("visit_id", "Visit", parse_uuid),
    Field("topics", "Topics", parse_choices, list_name="topics"),
    text("summary", max_len=FREE_TEXT),
    choice("anonymity", "anonymity"),
    text("contact_details", max_len=1000),
    text("location_text", "Location", max_len=500),
    number("latitude", -90, 90),
    number("longitude", -180, 180),
    choice("urgency", "urgency"),
    flag("safeguarding", "Safeguarding concern"),
    flag("identifies_author", "Identifies the author"),
    choice("action", "item_actions"),
    photos(),
)
# Filled in when not given: anonymous is the default for residents' cards.
POSTBOX_ITEM_DEFAULTS = {
    "anonymity": "anonymous", "urgency": "routine", "safeguarding": False,
    "identifies_author": False, "action": "none",
}

ALL_FIELDS = (*ENCOUNTER_FIELDS.values(), *POSTBOX_VISIT_FIELDS.values(), *POSTBOX_ITEM_FIELDS.values())
# Every reference list the validator reads, checked once at start-up.
REQUIRED_LISTS = frozenset({"encounter_kinds", "asb_actions"} | {f.list_name for f in ALL_FIELDS if f.list_name})
