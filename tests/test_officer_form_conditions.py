"""When the officer app's forms ask for a field: generated from the rule table, none written in the page."""

from __future__ import annotations

import re
from pathlib import Path

from fieldapp.officer.rule_table import field_rules, form_conditions

TEMPLATE = Path(__file__).parents[1] / "fieldapp" / "officer" / "templates" / "officer" / "app.html"


def test_conditions_come_from_the_rule_table():
    encounter = form_conditions("encounter")
    assert encounter["vehicle_registration"] == {
        "kinds": "stop_search", "when": "search_type=Vehicle search|Person and Vehicle search"}
    assert encounter["exclusion_hours"] == {"kinds": "asb", "when": "asb_action=s35_direction"}
    assert encounter["referral_org"] == {"kinds": "begging welfare_check", "when": "referral_made=true"}
    assert encounter["bwv_reason_not_used"] == {"when": "bwv_used=false"}
    assert "location_text" not in encounter and "kind" not in encounter
    assert form_conditions("postbox_item") == {"contact_details": {"when": "anonymity=contact_requested"}}
    assert form_conditions("postbox_visit") == {}
    assert field_rules()["show"]["encounter"] == encounter


def test_the_page_writes_no_condition_of_its_own():
    source = TEMPLATE.read_text(encoding="utf-8")
    assert not re.search(r"data-(kinds|when)=\"[^{]", source)
    assert "Vehicle search" not in source


def test_the_served_page_carries_the_generated_conditions(client):
    page = client.get("/app").get_data(as_text=True)
    holders = {name: attributes for attributes, name in re.findall(r'<div (data-field="(\w+)"[^>]*)>', page)}
    assert 'data-kinds="stop_search" data-when="search_type=Vehicle search|Person and Vehicle search"' in \
        holders["vehicle_registration"]
    assert 'data-control="textarea" data-when="anonymity=contact_requested"' in holders["contact_details"]
    assert "data-when" not in holders["location_text"] and "data-kinds" not in holders["notes"]
