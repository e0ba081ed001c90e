"""Fixtures for the sync protocol tests: the real reference lists, a fixed
clock, and factories for raw entries of every type and kind."""
from __future__ import annotations

import copy
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import pytest

from sync import ValidationContext, load_reference

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
REFERENCE_PATH = Path(__file__).parents[2] / "fieldapp" / "data" / "reference.json"
ENTRY_ID = "3f2b8c1e-5d4a-4b7e-9c1d-2a6f0e8b7c11"
VISIT_ID = "9a0e6f7c-1b2d-4e3f-8a9b-0c1d2e3f4a5b"
GROUNDS = "Strong smell of cannabis; saw him pass a small bag to another man."

_WHERE = {"occurred_at": "2026-11-27T10:15:00Z", "location_text": "High Street, outside no. 12",
          "bwv_used": True}
_STOP_SEARCH = {
    "search_type": "Person search",
    "legislation": "Misuse of Drugs Act 1971 (section 23)",
    "object_of_search": "Controlled drugs",
    "grounds": GROUNDS,
    "outcome": "A no further action disposal",
    "outcome_linked_to_object_of_search": False,
    "removal_of_more_than_outer_clothing": False,
    "self_defined_ethnicity": "Other ethnic group - Not stated",
}
_SUPPORT = {"support_offered": True, "referral_made": False}

# name -> (type, data): the least each type and kind needs to be valid.
MINIMAL: dict[str, tuple[str, dict[str, Any]]] = {
    "stop_search": ("encounter", {"kind": "stop_search", **_WHERE, **_STOP_SEARCH}),
    "stop_account": ("encounter", {"kind": "stop_account", **_WHERE}),
    "asb_advice": ("encounter", {"kind": "asb", **_WHERE, "asb_category": "nuisance",
                                 "asb_action": "advice"}),
    "asb_s35": ("encounter", {"kind": "asb", **_WHERE, "asb_category": "personal",
                              "asb_action": "s35_direction", "authorisation_ref": "INSP 4411",
                              "exclusion_hours": 48, "area_description": "Town centre inside the ring road"}),
    "asb_cpw": ("encounter", {"kind": "asb", **_WHERE, "asb_category": "environmental",
                              "asb_action": "cpw", "conduct": "Leaving rubbish bags in the alley",
                              "comply_by": "2026-12-11"}),
    "asb_other": ("encounter", {"kind": "asb", **_WHERE, "asb_category": "nuisance",
                                "asb_action": "other"}),
    "begging": ("encounter", {"kind": "begging", **_WHERE, **_SUPPORT}),
    "welfare_check": ("encounter", {"kind": "welfare_check", **_WHERE, **_SUPPORT}),
    "other": ("encounter", {"kind": "other", **_WHERE}),
    "postbox_visit": ("postbox_visit", {"postbox_id": 2, "visited_at": "2026-11-27T09:00:00+00:00",
                                        "box_condition": "ok", "item_count": 3}),
    "postbox_item": ("postbox_item", {"visit_id": VISIT_ID, "topics": ["drugs"],
                                      "summary": "People dealing by the bus shelter after 10pm."}),
}

_PERSON = {"latitude": 51.5072, "longitude": -0.1276, "location_accuracy_m": 12.5,
           "gender": "Female", "age_range": "18-24",
           "self_defined_ethnicity": "White - Irish", "officer_defined_ethnicity": "White",
           "bwv_footage_ref": "BWV-2026-0001", "notes": "Calm throughout."}

# name -> extra data that makes the sample use every field its kind allows.
FULL_EXTRA: dict[str, dict[str, Any]] = {
    "stop_search": {**_PERSON, "search_type": "Person and Vehicle search", "bwv_used": False,
                    "bwv_reason_not_used": "Camera battery was flat.",
                    "vehicle_registration": "AB12 CDE", "operation_name": "Op Nightjar",
                    "outcome": "Arrest", "outcome_linked_to_object_of_search": True},
    "stop_account": _PERSON,
    "asb_advice": _PERSON,
    "asb_s35": _PERSON,
    "asb_cpw": _PERSON,
    "asb_other": _PERSON,
    "begging": {**_PERSON, "referral_made": True, "referral_org": "St Mungo's outreach"},
    "welfare_check": {**_PERSON, "referral_made": True, "referral_org": "Adult social care"},
    "other": {**_PERSON, "bwv_used": False, "bwv_reason_not_used": "Not issued a camera."},
    "postbox_visit": {"notes": "Lock stiff."},
    "postbox_item": {"topics": ["drugs", "anti-social-behaviour", "praise"],
                     "anonymity": "contact_requested", "contact_details": "07700 900123, evenings",
                     "location_text": "Bus shelter, Mill Lane", "latitude": 51.0, "longitude": -1.5,
                     "urgency": "priority", "safeguarding": True, "identifies_author": True,
                     "action": "intel_submitted"},
}

SAMPLE_NAMES = tuple(MINIMAL)


@pytest.fixture
def ctx() -> ValidationContext:
    """The real reference lists, a fixed clock (NOW) and postboxes 1, 2 and 3."""
    return ValidationContext(reference=load_reference(REFERENCE_PATH), now=NOW, postbox_ids={1, 2, 3})


@pytest.fixture(params=SAMPLE_NAMES)
def sample_name(request: pytest.FixtureRequest) -> str:
    """Each sample name in turn: every entry type and encounter kind."""
    return request.param


@pytest.fixture
def make_entry() -> Callable[..., dict[str, Any]]:
    """Factory: make_entry(name, full=False, drop=(), **data) -> a fresh raw entry.

    ``data`` keyword arguments set data fields (None sends null); ``drop``
    removes data fields. The envelope is a valid new entry (version 1).
    """
    def make(name: str = "stop_search", full: bool = False, drop: tuple[str, ...] = (),
             **data: Any) -> dict[str, Any]:
        entry_type, base = MINIMAL[name]
        body = copy.deepcopy(base)
        if full:
            body.update(copy.deepcopy(FULL_EXTRA[name]))
        body.update(data)
        for field in drop:
            body.pop(field, None)
        return {"id": ENTRY_ID, "type": entry_type, "version": 1, "base_version": None,
                "captured_at": "2026-11-27T10:20:00Z", "data": body}
    return make
