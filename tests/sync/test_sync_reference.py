"""Reference lists: loading, value sets, labels, and the start-up checks."""
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from sync import ReferenceLists, ValidationContext, load_reference

REFERENCE_FILE = Path(__file__).resolve().parents[2] / "fieldapp" / "data" / "reference.json"


def test_real_file_loads_with_its_lists(ctx):
    ref = ctx.reference
    assert isinstance(ref.version, str) and ref.version
    assert ref.values("encounter_kinds") == {"stop_search", "stop_account", "asb", "begging",
                                             "welfare_check", "other"}
    assert "Environmental Protection Act 1990 (section 34B )" in ref.values("legislation")
    assert isinstance(ref.lists["genders"], tuple)


def test_values_is_a_cached_frozenset(ctx):
    first = ctx.reference.values("topics")
    assert isinstance(first, frozenset)
    assert ctx.reference.values("topics") is first


def test_label_and_unknown_value_falls_back_to_value(ctx):
    assert ctx.reference.label("encounter_kinds", "asb") == "Antisocial behaviour"
    assert ctx.reference.label("encounter_kinds", "retired_kind") == "retired_kind"


def test_unknown_list_is_a_key_error(ctx):
    with pytest.raises(KeyError):
        ctx.reference.values("no_such_list")


def test_reference_built_directly():
    ref = ReferenceLists(version="v1", lists={"colours": ({"value": "red", "label": "Red"},)})
    assert ref.values("colours") == frozenset({"red"})
    assert ref.label("colours", "red") == "Red"


@pytest.mark.parametrize("doc", [
    [],
    {"lists": {}},
    {"version": 1, "lists": {}},
    {"version": "v", "lists": []},
    {"version": "v", "lists": {"a": {"value": "x"}}},
    {"version": "v", "lists": {"a": [{"value": "x"}]}},
    {"version": "v", "lists": {"a": [{"value": 1, "label": "One"}]}},
    {"version": "v", "lists": {"a": [{"value": "x", "label": "X"}, {"value": "x", "label": "Y"}]}},
])
def test_load_reference_rejects_bad_shapes(tmp_path, doc):
    path = tmp_path / "reference.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError):
        load_reference(path)


def test_a_power_names_the_object_it_is_usually_for(ctx):
    """The officer app suggests it (static/js/encounter.js); other lists' items keep value and label only."""
    legislation = {item["value"]: item for item in ctx.reference.lists["legislation"]}
    assert legislation["Misuse of Drugs Act 1971 (section 23)"]["object"] == "Controlled drugs"
    assert "object" not in legislation["Police and Criminal Evidence Act 1984 (section 6)"]
    objects = ctx.reference.values("objects_of_search")
    assert all(item["object"] in objects for item in legislation.values() if "object" in item)


@pytest.mark.parametrize(("named", "accepted"), [("Controlled drugs", True), ("Cheese", False), (3, False)])
def test_a_power_must_name_an_object_of_the_list(tmp_path, named, accepted):
    doc = json.loads(open(REFERENCE_FILE, encoding="utf-8").read())
    doc["lists"]["legislation"][0]["object"] = named
    doc["lists"]["topics"][0]["object"] = "ignored on other lists"
    path = tmp_path / "reference.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    if accepted:
        ref = load_reference(path)
        assert ref.lists["legislation"][0]["object"] == named and "object" not in ref.lists["topics"][0]
    else:
        with pytest.raises(ValueError, match="names the object"):
            load_reference(path)


def test_context_requires_aware_now(ctx):
    with pytest.raises(ValueError, match="aware"):
        ValidationContext(reference=ctx.reference, now=datetime(2026, 11, 27))


def test_context_requires_every_list_the_validator_reads(ctx):
    lists = {k: v for k, v in ctx.reference.lists.items() if k != "legislation"}
    partial = ReferenceLists(version="x", lists=lists)
    with pytest.raises(ValueError, match="legislation"):
        ValidationContext(reference=partial, now=datetime(2026, 11, 27, tzinfo=timezone.utc))


def test_context_defaults_to_no_postbox_check(ctx):
    plain = ValidationContext(reference=ctx.reference, now=ctx.now)
    assert plain.postbox_ids is None
