"""validate_entry for encounters: each kind, required fields, types,
length limits and the rules between fields."""
from datetime import date, datetime, timezone

import pytest

from sync import validate_entry
from sync.schema import ENCOUNTER_FIELDS

ENCOUNTER_SAMPLES = ["stop_search", "stop_account", "asb_advice", "asb_s35", "asb_cpw", "asb_other",
                     "begging", "welfare_check", "other"]
STOP_SEARCH_ONLY = ["search_type", "legislation", "object_of_search", "grounds", "outcome",
                    "outcome_linked_to_object_of_search", "removal_of_more_than_outer_clothing",
                    "vehicle_registration", "operation_name"]
ASB_ONLY = ["asb_category", "asb_action", "authorisation_ref", "exclusion_hours",
            "area_description", "conduct", "comply_by"]
SUPPORT_ONLY = ["support_offered", "referral_made", "referral_org"]
SOME_VALUE = {"search_type": "Person search", "legislation": "Firearms Act 1968 (section 47)",
              "object_of_search": "Firearms", "grounds": "x" * 30, "outcome": "Arrest",
              "outcome_linked_to_object_of_search": True, "removal_of_more_than_outer_clothing": False,
              "vehicle_registration": "AB12CDE", "operation_name": "Op X", "asb_category": "nuisance",
              "asb_action": "advice", "authorisation_ref": "A1", "exclusion_hours": 2,
              "area_description": "Park", "conduct": "Shouting", "comply_by": "2026-12-01",
              "support_offered": True, "referral_made": False, "referral_org": "Shelter"}


def _errors(ctx, raw):
    entry, errors = validate_entry(raw, ctx)
    assert (entry is None) == bool(errors)
    return errors


@pytest.mark.parametrize("name", ENCOUNTER_SAMPLES)
@pytest.mark.parametrize("full", [False, True])
def test_valid_samples(ctx, make_entry, name, full):
    raw = make_entry(name, full=full)
    entry, errors = validate_entry(raw, ctx)
    assert errors == {}
    assert entry.type == "encounter"
    assert entry.data == raw["data"]  # already clean: nothing added or dropped
    assert set(entry.values) == set(ENCOUNTER_FIELDS)
    assert all(entry.values[k] is None for k in ENCOUNTER_FIELDS if k not in raw["data"])


def test_values_are_parsed_python(ctx, make_entry):
    entry, _ = validate_entry(make_entry("asb_cpw", full=True), ctx)
    v = entry.values
    assert v["occurred_at"] == datetime(2026, 11, 27, 10, 15, tzinfo=timezone.utc)
    assert v["comply_by"] == date(2026, 12, 11)
    assert v["bwv_used"] is True
    assert v["latitude"] == 51.5072 and isinstance(v["location_accuracy_m"], float)
    assert v["asb_category"] == "environmental"
    assert v["grounds"] is None and v["exclusion_hours"] is None


def test_s35_exclusion_hours_is_an_int(ctx, make_entry):
    entry, _ = validate_entry(make_entry("asb_s35"), ctx)
    assert entry.values["exclusion_hours"] == 48 and entry.data["exclusion_hours"] == 48


def test_cleaned_data_strips_text_and_drops_blank_optionals(ctx, make_entry):
    raw = make_entry("stop_search", grounds="  " + "g" * 25 + "\n", notes="", gender=None,
                     operation_name="   ", officer_defined_ethnicity=None)
    entry, errors = validate_entry(raw, ctx)
    assert errors == {}
    assert entry.data["grounds"] == "g" * 25
    for dropped in ("notes", "gender", "operation_name", "officer_defined_ethnicity"):
        assert dropped not in entry.data and entry.values[dropped] is None


def test_integral_coordinates_are_stored_as_floats(ctx, make_entry):
    a = validate_entry(make_entry("other", latitude=51, longitude=0), ctx)[0]
    b = validate_entry(make_entry("other", latitude=51.0, longitude=0.0), ctx)[0]
    assert a.data["latitude"] == 51.0 and isinstance(a.data["latitude"], float)
    assert a.content_hash == b.content_hash


# --- required fields ---------------------------------------------------------
COMMON_REQUIRED = [("kind", "Kind is required."), ("occurred_at", "Date and time is required."),
                   ("bwv_used", "Body-worn video used is required.")]


@pytest.mark.parametrize("name", ENCOUNTER_SAMPLES)
@pytest.mark.parametrize(("field", "message"), COMMON_REQUIRED)
def test_common_required(ctx, make_entry, name, field, message):
    errors = _errors(ctx, make_entry(name, drop=(field,)))
    assert errors[field] == message


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_required_blank_counts_as_missing(ctx, make_entry, blank):
    errors = _errors(ctx, make_entry("stop_search", grounds=blank, kind=blank))
    assert errors == {"kind": "Kind is required."}  # no kind: kind fields are only type-checked
    errors = _errors(ctx, make_entry("stop_search", grounds=blank))
    assert errors == {"grounds": "Grounds is required."}


@pytest.mark.parametrize(("field", "message"), [
    ("search_type", "Search type is required."),
    ("legislation", "Legislation is required."),
    ("object_of_search", "Object of search is required."),
    ("grounds", "Grounds is required."),
    ("outcome", "Outcome is required."),
    ("outcome_linked_to_object_of_search", "Outcome linked to object of search is required."),
    ("removal_of_more_than_outer_clothing", "Removal of more than outer clothing is required."),
    ("self_defined_ethnicity", "Self-defined ethnicity is required."),
])
def test_stop_search_required(ctx, make_entry, field, message):
    assert _errors(ctx, make_entry("stop_search", drop=(field,))) == {field: message}


def test_self_defined_ethnicity_optional_outside_stop_search(ctx, make_entry):
    assert _errors(ctx, make_entry("stop_account")) == {}


@pytest.mark.parametrize("field", ["asb_category", "asb_action"])
def test_asb_required(ctx, make_entry, field):
    errors = _errors(ctx, make_entry("asb_advice", drop=(field,)))
    assert errors == {field: f"{'ASB category' if field == 'asb_category' else 'ASB action'} is required."}


@pytest.mark.parametrize(("sample", "field", "message"), [
    ("asb_s35", "authorisation_ref", "Authorisation reference is required for Dispersal direction (s35)."),
    ("asb_s35", "exclusion_hours", "Exclusion period (hours) is required for Dispersal direction (s35)."),
    ("asb_s35", "area_description", "Area is required for Dispersal direction (s35)."),
    ("asb_cpw", "conduct", "Conduct is required for Community protection warning (s43)."),
    ("asb_cpw", "comply_by", "Comply by is required for Community protection warning (s43)."),
])
def test_asb_action_required(ctx, make_entry, sample, field, message):
    assert _errors(ctx, make_entry(sample, drop=(field,))) == {field: message}


@pytest.mark.parametrize("name", ["begging", "welfare_check"])
@pytest.mark.parametrize(("field", "message"), [("support_offered", "Support offered is required."),
                                                ("referral_made", "Referral made is required.")])
def test_support_required(ctx, make_entry, name, field, message):
    assert _errors(ctx, make_entry(name, drop=(field,))) == {field: message}


# --- cross-field rules -----------------------------------------------------
@pytest.mark.parametrize("name", ["begging", "welfare_check"])
def test_referral_org_required_when_referral_made(ctx, make_entry, name):
    assert _errors(ctx, make_entry(name, referral_made=True)) == {
        "referral_org": "Give the organisation referred to."}
    assert _errors(ctx, make_entry(name, referral_made=True, referral_org="Shelter")) == {}
    assert _errors(ctx, make_entry(name, referral_made=False, referral_org="Shelter")) == {}


def test_bwv_reason_required_when_not_used_in_stop_search(ctx, make_entry):
    assert _errors(ctx, make_entry("stop_search", bwv_used=False)) == {
        "bwv_reason_not_used": "Give the reason body-worn video was not used."}
    assert _errors(ctx, make_entry("stop_search", bwv_used=False, bwv_reason_not_used="Flat")) == {}


def test_bwv_reason_optional_for_other_kinds(ctx, make_entry):
    assert _errors(ctx, make_entry("stop_account", bwv_used=False)) == {}


@pytest.mark.parametrize("search_type", ["Vehicle search", "Person and Vehicle search"])
def test_vehicle_registration_required_for_vehicle_searches(ctx, make_entry, search_type):
    assert _errors(ctx, make_entry("stop_search", search_type=search_type)) == {
        "vehicle_registration": "Vehicle registration is required for a vehicle search."}
    assert _errors(ctx, make_entry("stop_search", search_type=search_type,
                                   vehicle_registration="AB12 CDE")) == {}


def test_vehicle_registration_optional_for_person_search(ctx, make_entry):
    assert _errors(ctx, make_entry("stop_search", search_type="Person search")) == {}


@pytest.mark.parametrize(("grounds", "ok"), [
    ("x" * 19, False), ("x" * 20, True), ("  " + "x" * 19 + "  \n", False),
    ("a b c d e f g h i j ", False), ("a b c d e f g h i j k", True),
])
def test_grounds_minimum_length_after_stripping(ctx, make_entry, grounds, ok):
    errors = _errors(ctx, make_entry("stop_search", grounds=grounds))
    assert errors == ({} if ok else {"grounds": "Grounds must be at least 20 characters."})


def test_not_stated_ethnicity_is_valid_for_stop_search(ctx, make_entry):
    raw = make_entry("stop_search", self_defined_ethnicity="Other ethnic group - Not stated")
    assert _errors(ctx, raw) == {}


@pytest.mark.parametrize(("name", "label"), [
    ("stop_account", "Stop and account"), ("asb_advice", "Antisocial behaviour"),
    ("begging", "Begging"), ("welfare_check", "Welfare check"), ("other", "Other"),
])
@pytest.mark.parametrize("field", STOP_SEARCH_ONLY)
def test_stop_search_fields_not_used_by_other_kinds(ctx, make_entry, name, label, field):
    errors = _errors(ctx, make_entry(name, **{field: SOME_VALUE[field]}))
    assert errors == {field: f"Not used for {label}."}


@pytest.mark.parametrize(("name", "label"), [
    ("stop_search", "Stop and search"), ("stop_account", "Stop and account"),
    ("begging", "Begging"), ("other", "Other"),
])
@pytest.mark.parametrize("field", ASB_ONLY)
def test_asb_fields_not_used_by_other_kinds(ctx, make_entry, name, label, field):
    errors = _errors(ctx, make_entry(name, **{field: SOME_VALUE[field]}))
    assert errors == {field: f"Not used for {label}."}


@pytest.mark.parametrize(("name", "label"), [
    ("stop_search", "Stop and search"), ("asb_advice", "Antisocial behaviour"), ("other", "Other"),
])
@pytest.mark.parametrize("field", SUPPORT_ONLY)
def test_support_fields_not_used_by_other_kinds(ctx, make_entry, name, label, field):
    errors = _errors(ctx, make_entry(name, **{field: SOME_VALUE[field]}))
    assert errors == {field: f"Not used for {label}."}


@pytest.mark.parametrize("blank", [None, ""])
def test_other_kind_fields_may_be_null_or_empty(ctx, make_entry, blank):
    raw = make_entry("other", **{f: blank for f in STOP_SEARCH_ONLY + ASB_ONLY + SUPPORT_ONLY})
    entry, errors = validate_entry(raw, ctx)
    assert errors == {}
    assert set(entry.data) == {"kind", "occurred_at", "location_text", "bwv_used"}


def test_wrong_kind_field_message_wins_over_its_type_error(ctx, make_entry):
    assert _errors(ctx, make_entry("other", grounds=123)) == {"grounds": "Not used for Other."}


@pytest.mark.parametrize(("sample", "field", "label"), [
    ("asb_advice", "authorisation_ref", "Advice given"), ("asb_advice", "exclusion_hours", "Advice given"),
    ("asb_advice", "area_description", "Advice given"), ("asb_advice", "conduct", "Advice given"),
    ("asb_advice", "comply_by", "Advice given"),
    ("asb_s35", "conduct", "Dispersal direction (s35)"), ("asb_s35", "comply_by", "Dispersal direction (s35)"),
    ("asb_cpw", "authorisation_ref", "Community protection warning (s43)"),
    ("asb_cpw", "exclusion_hours", "Community protection warning (s43)"),
    ("asb_cpw", "area_description", "Community protection warning (s43)"),
    ("asb_other", "conduct", "Other"),
])
def test_asb_action_fields_not_used_by_other_actions(ctx, make_entry, sample, field, label):
    assert _errors(ctx, make_entry(sample, **{field: SOME_VALUE[field]})) == {field: f"Not used for {label}."}


def test_unknown_kind_still_type_checks_kind_fields(ctx, make_entry):
    errors = _errors(ctx, make_entry("stop_search", kind="riot", grounds=5))
    assert errors == {"kind": "Not a value of the encounter_kinds list.", "grounds": "Grounds must be text."}


# --- location ----------------------------------------------------------------
def test_coordinates_replace_location_text(ctx, make_entry):
    assert _errors(ctx, make_entry("other", drop=("location_text",), latitude=51.5, longitude=-0.1)) == {}


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_location_text_required_without_coordinates(ctx, make_entry, blank):
    assert _errors(ctx, make_entry("other", location_text=blank)) == {
        "location_text": "Give a location description when there are no coordinates."}


@pytest.mark.parametrize(("given", "missing"), [("latitude", "longitude"), ("longitude", "latitude")])
def test_coordinates_come_in_pairs(ctx, make_entry, given, missing):
    raw = make_entry("other", **{given: 10.0, missing: None})
    assert _errors(ctx, raw) == {missing: "Give both latitude and longitude, or neither."}


@pytest.mark.parametrize(("field", "value", "ok"), [
    ("latitude", 90, True), ("latitude", -90, True), ("latitude", 90.0001, False), ("latitude", -91, False),
    ("longitude", 180, True), ("longitude", -180.0, True), ("longitude", 180.5, False),
    ("longitude", -10**400, False),
])
def test_coordinate_ranges(ctx, make_entry, field, value, ok):
    raw = make_entry("other", **{"latitude": 0.0, "longitude": 0.0, field: value})
    errors = _errors(ctx, raw)
    bounds = {"latitude": "between -90 and 90", "longitude": "between -180 and 180"}[field]
    assert errors == ({} if ok else {field: f"{field.capitalize()} must be {bounds}."})


@pytest.mark.parametrize(("value", "message"), [
    (0, None), (5000.5, None), (-0.1, "Location accuracy must be at least 0."),
    ("5", "Location accuracy must be a number."), (float("inf"), "Location accuracy must be a number."),
])
def test_location_accuracy(ctx, make_entry, value, message):
    errors = _errors(ctx, make_entry("other", location_accuracy_m=value))
    assert errors == ({} if message is None else {"location_accuracy_m": message})


# --- types and lists ---------------------------------------------------------
@pytest.mark.parametrize(("field", "list_name"), [
    ("kind", "encounter_kinds"), ("gender", "genders"), ("age_range", "age_ranges"),
    ("self_defined_ethnicity", "self_defined_ethnicities"),
    ("officer_defined_ethnicity", "officer_defined_ethnicities"), ("search_type", "search_types"),
    ("legislation", "legislation"), ("object_of_search", "objects_of_search"), ("outcome", "outcomes"),
])
@pytest.mark.parametrize("bad", ["not on the list", "male", 3, True, ["Male"], {"value": "Male"}])
def test_stop_search_list_fields(ctx, make_entry, field, list_name, bad):
    errors = _errors(ctx, make_entry("stop_search", **{field: bad}))
    assert errors[field] == f"Not a value of the {list_name} list."


def test_list_values_match_exactly(ctx, make_entry):
    # The source data's trailing space is part of the value.
    ok = "Environmental Protection Act 1990 (section 34B )"
    assert _errors(ctx, make_entry("stop_search", legislation=ok)) == {}
    bad = "Environmental Protection Act 1990 (section 34B)"
    assert _errors(ctx, make_entry("stop_search", legislation=bad)) == {
        "legislation": "Not a value of the legislation list."}


@pytest.mark.parametrize(("field", "list_name"), [("asb_category", "asb_categories"),
                                                  ("asb_action", "asb_actions")])
def test_asb_list_fields(ctx, make_entry, field, list_name):
    errors = _errors(ctx, make_entry("asb_advice", **{field: "loitering"}))
    assert errors == {field: f"Not a value of the {list_name} list."}


@pytest.mark.parametrize(("sample", "field"), [
    ("stop_search", "bwv_used"), ("stop_search", "outcome_linked_to_object_of_search"),
    ("stop_search", "removal_of_more_than_outer_clothing"), ("begging", "support_offered"),
    ("welfare_check", "referral_made"),
])
@pytest.mark.parametrize("bad", [0, 1, "true", "yes", [True], {}])
def test_boolean_fields(ctx, make_entry, sample, field, bad):
    errors = _errors(ctx, make_entry(sample, **{field: bad}))
    assert errors[field].endswith(" must be true or false.")


@pytest.mark.parametrize(("sample", "field"), [
    ("stop_search", "grounds"), ("stop_search", "notes"), ("stop_search", "vehicle_registration"),
    ("stop_search", "operation_name"), ("stop_search", "bwv_footage_ref"),
    ("stop_search", "bwv_reason_not_used"), ("other", "location_text"),
    ("asb_s35", "authorisation_ref"), ("asb_s35", "area_description"), ("asb_cpw", "conduct"),
    ("begging", "referral_org"),
])
@pytest.mark.parametrize("bad", [12345, 1.5, True, ["text"], {"t": "x"}])
def test_text_fields_must_be_strings(ctx, make_entry, sample, field, bad):
    errors = _errors(ctx, make_entry(sample, **{field: bad}))
    assert errors[field].endswith(" must be text.")


@pytest.mark.parametrize(("value", "message"), [
    (1, None), (48, None), (0, "must be between 1 and 48."), (49, "must be between 1 and 48."),
    (2.0, "must be a whole number."), ("2", "must be a whole number."), (True, "must be a whole number."),
])
def test_exclusion_hours(ctx, make_entry, value, message):
    errors = _errors(ctx, make_entry("asb_s35", exclusion_hours=value))
    assert errors == ({} if message is None else {"exclusion_hours": f"Exclusion period (hours) {message}"})


@pytest.mark.parametrize(("value", "message"), [
    ("2027-01-31", None),
    ("2026-02-30", "Comply by is not a valid date."),
    ("2026-2-3", "Comply by must be a date (YYYY-MM-DD)."),
    ("11/12/2026", "Comply by must be a date (YYYY-MM-DD)."),
    ("2026-12-11T00:00:00Z", "Comply by must be a date (YYYY-MM-DD)."),
    ("1999-12-31", "Comply by must not be before 2000."),
    (20261211, "Comply by must be a date (YYYY-MM-DD)."),
])
def test_comply_by(ctx, make_entry, value, message):
    errors = _errors(ctx, make_entry("asb_cpw", comply_by=value))
    assert errors == ({} if message is None else {"comply_by": message})


# --- length limits -------------------------------------------------------------
@pytest.mark.parametrize(("sample", "field", "limit", "label"), [
    ("stop_search", "grounds", 4000, "Grounds"),
    ("stop_search", "notes", 4000, "Notes"),
    ("stop_search", "bwv_reason_not_used", 4000, "Reason body-worn video was not used"),
    ("stop_search", "bwv_footage_ref", 100, "Footage reference"),
    ("stop_search", "vehicle_registration", 20, "Vehicle registration"),
    ("stop_search", "operation_name", 200, "Operation name"),
    ("other", "location_text", 500, "Location"),
    ("asb_s35", "authorisation_ref", 100, "Authorisation reference"),
    ("asb_s35", "area_description", 4000, "Area"),
    ("asb_cpw", "conduct", 4000, "Conduct"),
    ("begging", "referral_org", 200, "Organisation referred to"),
])
def test_length_limits(ctx, make_entry, sample, field, limit, label):
    assert _errors(ctx, make_entry(sample, **{field: "x" * limit})) == {}
    assert _errors(ctx, make_entry(sample, **{field: " " + "x" * limit + " "})) == {}
    errors = _errors(ctx, make_entry(sample, **{field: "x" * (limit + 1)}))
    assert errors == {field: f"{label} must be at most {limit:,} characters."}
