"""The browser's checks and the server's give the same errors, entry for entry.

static/js/validate.js runs in real headless Chromium, imported from the app
as served, with the field and rule tables read from the served page's
#field-rules; sync.validate_entry runs here. Both see the same samples: a
valid entry of every type, encounter kind, ASB action, search type and
anonymity choice, then each with one field removed, blanked or mutated (wrong
type, out of range, every other value of its list...). The sets of fields in
error must be equal, and where the server's message is a rule's (from
sync/conditions.py) the browser's must be the same words.

A last check takes each rule out of the browser's copy of the table in turn
(one field at a time out of a rule the page merged from neighbours alike but
for their field): the samples must catch every one, so a rule either side
stops applying fails this test. Read back one field at a time, the browser's
copy must be the server's table, rule for rule and in the same order.
"""

from __future__ import annotations

import copy
import itertools
import json
import mimetypes
from datetime import UTC, datetime
from pathlib import Path
from string import Formatter
from typing import Any

import pytest

from sync import ValidationContext, load_reference, validate_entry
from sync.conditions import FIELDS, RULES, as_json

pytestmark = [pytest.mark.browser]

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ORIGIN = "http://fieldapp.test"
REFERENCE_PATH = Path(__file__).parents[2] / "fieldapp" / "data" / "reference.json"
REFERENCE = load_reference(REFERENCE_PATH)
# postbox_ids None: whether a postbox exists is the server's knowledge, not a rule.
CTX = ValidationContext(reference=REFERENCE, now=NOW, postbox_ids=None)
VISIT_ID = "9a0e6f7c-1b2d-4e3f-8a9b-0c1d2e3f4a5b"
# A list longer than this is sampled (its first and last values) when mutating a field.
ALL_VALUES_UP_TO = 7

#: A valid value of every field of every type, alone.
GOOD: dict[str, Any] = {
    "kind": "other", "occurred_at": "2026-11-27T10:15:00Z", "latitude": 51.5072, "longitude": -0.1276,
    "location_accuracy_m": 12.5, "location_text": "High Street, outside no. 12", "gender": "Female",
    "age_range": "18-24", "self_defined_ethnicity": "White - Irish", "officer_defined_ethnicity": "White",
    "bwv_used": True, "bwv_reason_not_used": "Camera battery was flat.", "bwv_footage_ref": "BWV-2026-0001",
    "notes": "Calm throughout.", "search_type": "Person search",
    "legislation": "Misuse of Drugs Act 1971 (section 23)", "object_of_search": "Controlled drugs",
    "grounds": "Strong smell of cannabis; saw him pass a small bag to another man.",
    "outcome": "A no further action disposal", "outcome_linked_to_object_of_search": False,
    "removal_of_more_than_outer_clothing": False, "vehicle_registration": "AB12 CDE",
    "operation_name": "Op Nightjar", "receipt_ref": "7KQ4-MX9T-HC3R", "grounds_warnings": ["short", "cannabis_only"],
    "grounds_changed": True, "section60_authorisation": "S60/2026/014", "asb_category": "nuisance", "asb_action": "advice",
    "authorisation_ref": "INSP 4411", "exclusion_hours": 48, "area_description": "Town centre",
    "conduct": "Leaving rubbish bags in the alley", "comply_by": "2026-12-11", "support_offered": True,
    "referral_made": False, "referral_org": "St Mungo's outreach",
    "postbox_id": 2, "visited_at": "2026-11-27T09:00:00+00:00", "box_condition": "ok", "item_count": 3,
    "visit_id": VISIT_ID, "topics": ["drugs", "praise"], "summary": "People dealing by the bus shelter.",
    "anonymity": "anonymous", "contact_details": "07700 900123, evenings", "urgency": "routine",
    "safeguarding": False, "identifies_author": False, "action": "none",
    "photos": ["5b1e2c3d-4f50-4a6b-8c7d-9e0f1a2b3c4d", "6c2f3d4e-5061-4b7c-9d8e-0f1a2b3c4d5e"],
}


def server_errors(entry_type: str, data: dict[str, Any]) -> dict[str, str]:
    raw = {"id": "3f2b8c1e-5d4a-4b7e-9c1d-2a6f0e8b7c11", "type": entry_type, "version": 1,
           "base_version": None, "captured_at": "2026-11-27T10:20:00Z", "data": data}
    return validate_entry(raw, CTX)[1]


def made_valid(entry_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with what the server refuses left out and what it asks for added (GOOD values)."""
    data = dict(data)
    for _ in range(5):
        errors = server_errors(entry_type, data)
        if not errors:
            return data
        for name in errors:
            if name in data:
                del data[name]
            else:
                data[name] = GOOD[name]
    raise AssertionError(f"no valid {entry_type} from {data}: {server_errors(entry_type, data)}")


def values(list_name: str) -> list[str]:
    return [item["value"] for item in REFERENCE.lists[list_name]]


def samples() -> list[tuple[str, dict[str, Any]]]:
    """Valid entries: every type, kind, ASB action, search type, yes and no, anonymity choice."""
    found: list[tuple[str, dict[str, Any]]] = []

    def add(entry_type: str, **data: Any) -> None:
        found.append((entry_type, made_valid(entry_type, data)))

    every_encounter_field = {name: GOOD[name] for name in FIELDS["encounter"]}
    for kind in values("encounter_kinds"):
        add("encounter", kind=kind, occurred_at=GOOD["occurred_at"], location_text="Mill Lane", bwv_used=True)
        add("encounter", **{**every_encounter_field, "kind": kind})
        add("encounter", **{**every_encounter_field, "kind": kind, "bwv_used": False, "referral_made": True})
    for search_type, bwv_used in itertools.product(values("search_types"), (True, False)):
        add("encounter", **{**every_encounter_field, "kind": "stop_search", "search_type": search_type,
                            "bwv_used": bwv_used})
    # A section 60 search names its authorisation (the server's window check needs the database: not here).
    add("encounter", **{**every_encounter_field, "kind": "stop_search",
                        "legislation": "Criminal Justice and Public Order Act 1994 (section 60)"})
    for action in values("asb_actions"):
        add("encounter", **{**every_encounter_field, "kind": "asb", "asb_action": action})
    add("postbox_visit", **{name: GOOD[name] for name in ("postbox_id", "visited_at", "box_condition", "item_count")})
    add("postbox_visit", **{name: GOOD[name] for name in FIELDS["postbox_visit"]})
    for anonymity in (*values("anonymity"), None):
        add("postbox_item", visit_id=VISIT_ID, topics=["drugs"], summary="Dealing.", anonymity=anonymity)
        add("postbox_item", **{**{name: GOOD[name] for name in FIELDS["postbox_item"]}, "anonymity": anonymity})
    add("postbox_item", visit_id=VISIT_ID, topics=["drugs"], photos=GOOD["photos"])  # a card by its photo alone
    unique = {json.dumps(sample, sort_keys=True): sample for sample in found}
    return list(unique.values())


def some(items: list[Any]) -> list[Any]:
    return items if len(items) <= ALL_VALUES_UP_TO else [items[0], items[-1]]


def mutations(field: Any) -> list[Any]:
    """Values of one field to try: blanks, wrong types, out of range, other values of its list."""
    kind = field.parse.__name__.removeprefix("parse_")
    out: list[Any] = [None, "", "   ", {"an": "object"}]
    if kind == "text":
        out += [123, True, "x" * (field.max_len + 1), " " + "y" * field.max_len + " "]
        if field.min_len:
            out += ["x" * (field.min_len - 1), "  " + "x" * (field.min_len - 1) + "  "]
    elif kind == "choice":
        out += [5, "not-a-value", *some(values(field.list_name))]
    elif kind == "choices":
        listed = values(field.list_name)
        out += [listed[0], [], ["not-a-value"], [listed[0], listed[0]], *[[v] for v in some(listed)]]
    elif kind == "bool":
        out += [True, False, "yes", 1]
    elif kind in ("int", "number"):
        out += ["3", False, 1.5, field.low - 1, field.low]
        if field.high is not None:
            out += [field.high, field.high + 1]
    elif kind == "datetime":
        out += [20261127, "not a date", "2026-11-27T10:15:00", "1999-12-31T23:00:00Z",
                "2026-11-27T12:59:00Z", "2026-11-27T14:00:00Z", "2026-11-27T11:00:00+01:00"]
    elif kind == "date":
        out += [20261211, "2026-02-30", "1999-12-31", "11/12/2026", "2000-01-01"]
    elif kind == "uuid":
        out += [7, "not-a-uuid", VISIT_ID.upper(), VISIT_ID[:-1]]
    elif kind == "ids":
        out += [[], VISIT_ID, [7], ["not-a-uuid"], [VISIT_ID], [VISIT_ID, VISIT_ID], [VISIT_ID, VISIT_ID.upper()],
                [f"{VISIT_ID[:-2]}{n:02d}" for n in range(field.high + 1)], [f"{VISIT_ID[:-2]}{n:02d}" for n in range(field.high)]]
    return out


def cases() -> list[dict[str, Any]]:
    """Each sample as it is, with each field removed, with each mutation, and with an unknown field."""
    out = []
    for entry_type, sample in samples():
        variants = [sample, {**sample, "colour": "red"}]
        for name, field in FIELDS[entry_type].items():
            if name in sample:
                variants.append({k: v for k, v in sample.items() if k != name})
            variants += [{**sample, name: value} for value in mutations(field)]
        for data in variants:
            out.append({"type": entry_type, "data": copy.deepcopy(data),
                        "expected": server_errors(entry_type, data)})
    return out


def rule_messages() -> set[str]:
    """Every message the rule table can give, with every label its placeholders can take."""
    out = set()
    for entry_type, rules in RULES.items():
        fields = FIELDS[entry_type]
        for rule in rules:
            names = [n for _, n, _, _ in Formatter().parse(rule.message) if n and n != "label"]
            choices = [[REFERENCE.label(fields[n].list_name, v) for v in values(fields[n].list_name)]
                       if fields[n].list_name else ["true", "false"] for n in names]
            for labels in itertools.product(*choices):
                out.add(rule.message.format(label=fields[rule.field].label, **dict(zip(names, labels))))
    return out


def serve_the_app(page, client) -> None:
    """The page's origin is the app itself, in-process: every request goes to the Flask test client."""
    def handle(route) -> None:
        path = route.request.url.removeprefix(ORIGIN)
        if path == "/blank":
            route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>parity</title>")
            return
        response = client.get(path)
        content_type = response.headers.get("Content-Type") or mimetypes.guess_type(path)[0] or "text/plain"
        route.fulfill(status=response.status_code, content_type=content_type, body=response.get_data())

    page.route(f"{ORIGIN}/**", handle)
    page.goto(f"{ORIGIN}/blank")


RUN_IN_PAGE = """async ([cases, now, reference]) => {
  const { validate } = await import('/app/static/js/validate.js');
  const html = await (await fetch('/app')).text();
  const page = new DOMParser().parseFromString(html, 'text/html');
  const rules = JSON.parse(page.getElementById('field-rules').textContent);
  const keys = (errors) => Object.keys(errors).sort().join(' ');
  const errors = cases.map((c) => validate(c.type, c.data, rules, reference, now));
  // Each rule taken out of the browser's table in turn (one field of a merged rule at a time):
  // the first case whose fields in error change, and the rule as the server writes it.
  const caught = [];
  for (const [type, list] of Object.entries(rules.conditions.rules)) {
    list.forEach((rule, index) => {
      const { field: one, fields = [one], ...rest } = rule;
      fields.forEach((field, place) => {
        const without = structuredClone(rules);
        if (fields.length > 1) without.conditions.rules[type][index].fields.splice(place, 1);
        else without.conditions.rules[type].splice(index, 1);
        const at = cases.findIndex((c) => c.type === type
          && keys(validate(c.type, c.data, without, reference, now)) !== keys(c.expected));
        caught.push({ type, index, rule: { need: 'required', ...rest, field }, at });
      });
    });
  }
  return { errors, caught };
}"""


def test_the_browser_and_the_server_find_the_same_errors(page, client):
    serve_the_app(page, client)
    all_cases = cases()
    reference = {"lists": {name: list(items) for name, items in REFERENCE.lists.items()}}
    result = page.evaluate(RUN_IN_PAGE, [all_cases, NOW.timestamp() * 1000, reference])

    by_rule = rule_messages()
    differ = []
    for case, browser in zip(all_cases, result["errors"], strict=True):
        server = case["expected"]
        words = {name: (message, browser.get(name)) for name, message in server.items()
                 if message in by_rule and browser.get(name) != message}
        if set(browser) != set(server) or words:
            differ.append((case["type"], case["data"], sorted(server), sorted(browser), words))
    assert not differ, f"{len(differ)} of {len(all_cases)} cases differ; the first ones:\n" + "\n".join(
        f"{t} {json.dumps(data)}\n  server {s}\n  browser {b}\n  messages {w}" for t, data, s, b, w in differ[:5])

    uncaught = [item for item in result["caught"] if item["at"] < 0]
    assert not uncaught, f"no sample notices these rules taken out of the browser's table: {uncaught}"
    assert len(result["caught"]) == sum(len(rules) for rules in RULES.values())
    # Every server rule, in order, has its browser counterpart (the one just shown to fire).
    browser_rules: dict[str, list[dict[str, Any]]] = {}
    for item in result["caught"]:
        browser_rules.setdefault(item["type"], []).append(item["rule"])
    assert browser_rules == as_json()["rules"]
