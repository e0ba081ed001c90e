"""The rule table (sync.conditions): its checks at import, the checker built from it, and the
sentences and required fields the API document takes from it."""
from __future__ import annotations

import json

import pytest

from sync import validate_entry
from sync.conditions import (
    FIELDS, RULES, as_json, check_table, field_notes, forbidden, required, required_fields, rule_notes,
)
from sync.rules import Checker, Reader


def test_every_entry_type_has_rules_and_fields():
    assert set(RULES) == set(FIELDS) == {"encounter", "postbox_visit", "postbox_item"}


@pytest.mark.parametrize(("rule", "problem"), [
    (required("colour"), "unknown fields"),
    (required("notes", when={"mood": ("calm",)}), "unknown fields"),
    (required("notes", when={"grounds": ("x",)}), "one choice or a yes/no"),
    (forbidden("notes", "No.", unless={"kind": ("riot",)}), "sync/vocabulary.py"),
])
def test_a_broken_rule_is_refused(rule, problem):
    with pytest.raises(ValueError, match=problem):
        check_table({"encounter": (rule,)}, FIELDS)


def test_a_message_naming_a_value_no_condition_reads_is_refused():
    with pytest.raises(ValueError, match="names a field"):
        Checker(FIELDS["encounter"], (required("notes", "Notes for {asb_action}."),), {})


def test_a_checker_from_another_table(ctx):
    """The checker follows its table: here notes are required when bwv_used is false."""
    check = Checker(FIELDS["encounter"], (required("notes", "Say why ({bwv_used})", when={"bwv_used": (False,)}),), {})

    def errors(**data):
        found: dict[str, str] = {}
        check(Reader(data, FIELDS["encounter"], ctx, found))
        return found

    assert errors(bwv_used=False) == {"notes": "Say why (false)"}
    assert errors(bwv_used=False, notes="Flat battery") == {}
    assert errors(bwv_used=True) == {}
    assert errors(bwv_used="no") == {"bwv_used": "Body-worn video used must be true or false."}


def test_rule_notes_say_each_rule_in_words():
    notes = rule_notes("encounter")
    assert len(notes) == len(RULES["encounter"])
    assert ('vehicle_registration is required when kind is "stop_search" and search_type is '
            '"Vehicle search" or "Person and Vehicle search".') in notes
    assert 'grounds must be left out when kind is not "stop_search".' in notes
    assert "location_text is required when neither latitude nor longitude is given." in notes
    assert rule_notes("postbox_item")[-5:] == [
        'anonymity is "anonymous" when not given.', 'urgency is "routine" when not given.',
        "safeguarding is false when not given.", "identifies_author is false when not given.",
        'action is "none" when not given.']


def test_field_notes_gather_the_rules_of_each_field():
    notes = field_notes("postbox_item")
    assert notes["contact_details"] == ('Required when anonymity is "contact_requested". '
                                        'Must be left out when anonymity is not "contact_requested".')
    assert notes["latitude"] == "Required when longitude is given."
    assert "urgency" not in notes
    assert field_notes("encounter")["referral_org"] == (
        'Must be left out when kind is not one of "begging", "welfare_check". '
        'Required when kind is "begging" or "welfare_check" and referral_made is true.')


@pytest.mark.parametrize(("entry_type", "kind", "fields"), [
    ("encounter", None, ("kind", "occurred_at", "bwv_used")),
    ("encounter", "stop_account", ("kind", "occurred_at", "bwv_used")),
    ("encounter", "stop_search", ("kind", "occurred_at", "bwv_used", "search_type", "legislation",
                                  "object_of_search", "grounds", "outcome", "outcome_linked_to_object_of_search",
                                  "removal_of_more_than_outer_clothing", "self_defined_ethnicity")),
    ("encounter", "asb", ("kind", "occurred_at", "bwv_used", "asb_category", "asb_action")),
    ("encounter", "welfare_check", ("kind", "occurred_at", "bwv_used", "support_offered", "referral_made")),
    ("postbox_visit", None, ("postbox_id", "visited_at", "box_condition", "item_count")),
    ("postbox_item", None, ("visit_id", "topics")),  # summary only when it has no photos
])
def test_required_fields(entry_type, kind, fields):
    assert required_fields(entry_type, kind) == fields


@pytest.mark.parametrize("kind", ["stop_search", "stop_account", "asb", "begging", "welfare_check", "other"])
def test_required_fields_are_what_the_server_asks_for(ctx, make_entry, kind):
    raw = make_entry({"asb": "asb_advice"}.get(kind, kind))
    raw["data"] = {"kind": kind}
    errors = validate_entry(raw, ctx)[1]
    missing = {name for name, message in errors.items() if message.endswith(" is required.")}
    assert missing | {"kind"} == set(required_fields("encounter", kind))


def test_the_table_as_json_is_what_the_page_compacts():
    # The page carries it compacted (fieldapp/officer/rule_table.py); test_validation_parity checks the two agree.
    table = json.loads(json.dumps(as_json()))
    assert set(table) == {"rules", "defaults", "owner_field"}
    vehicle = [rule for rule in table["rules"]["encounter"] if rule["field"] == "vehicle_registration"]
    assert vehicle == [
        {"field": "vehicle_registration", "need": "forbidden", "message": "Not used for {kind}.",
         "unless": {"kind": ["stop_search"]}},
        {"field": "vehicle_registration", "need": "required",
         "message": "Vehicle registration is required for a vehicle search.",
         "when": {"kind": ["stop_search"], "search_type": ["Vehicle search", "Person and Vehicle search"]}},
    ]
    assert table["defaults"]["postbox_item"]["anonymity"] == "anonymous"
