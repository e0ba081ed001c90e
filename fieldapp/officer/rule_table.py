"""The sync validator's field tables, as JSON for the officer app.

The browser checks entries with the same fields, labels and limits
(sync.schema) and the same rules between fields (sync.conditions) the server
applies, so an officer sees a problem next to the field before saving
instead of after sending; the form shows a field when those rules say it
applies. The server still checks everything.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from typing import Any

from sync import conditions
from sync import fields as parsers
from sync.validation import CLOCK_SKEW
from sync.receipts import parse_receipt_ref

KINDS = {
    parsers.parse_text: "text", parsers.parse_choice: "choice", parsers.parse_choices: "choices",
    parsers.parse_bool: "bool", parsers.parse_int: "int", parsers.parse_number: "number",
    parsers.parse_datetime: "datetime", parsers.parse_date: "date", parsers.parse_uuid: "uuid",
    parsers.parse_ids: "ids",
    # Made by the app itself (receipt.js), never typed: checked on the server only.
    parse_receipt_ref: "text",
}


def _field(field: parsers.Field) -> dict[str, Any]:
    spec: dict[str, Any] = {"label": field.label, "kind": KINDS[field.parse]}
    if spec["kind"] == "text":
        spec["max"] = field.max_len
        if field.min_len:  # validate.js reads no minimum as 0
            spec["min"] = field.min_len
    if field.list_name:
        spec["list"] = field.list_name
    if field.low is not None:
        spec["low"] = field.low
    if field.high is not None:
        spec["high"] = field.high
    return spec


def _attribute_value(value: str | bool) -> str:
    """A value as the form's inputs hold it ('true'/'false' for yes/no)."""
    text = json.dumps(value) if isinstance(value, bool) else value
    if "|" in text:
        raise ValueError(f"a form condition cannot hold the value {text!r} (| separates values)")
    return text


def form_conditions(entry_type: str) -> dict[str, dict[str, str]]:
    """Field -> when the form asks for it, as the ``data-kinds`` and ``data-when`` attributes
    forms.js reads (fields always asked are left out).

    Both come from the rule table: a field left out by the kinds that do not own it is
    shown for the owners only (``data-kinds="begging welfare_check"``); a field required
    only when another field has some values is asked only then
    (``data-when="search_type=Vehicle search|Person and Vehicle search"``).
    """
    owner = conditions.OWNER_FIELD.get(entry_type)
    shown: dict[str, dict[str, str]] = {}
    for rule in conditions.RULES[entry_type]:
        if rule.given or rule.absent:
            continue
        if rule.need == "forbidden" and not rule.when and set(rule.unless) == {owner}:
            shown.setdefault(rule.field, {})["kinds"] = " ".join(rule.unless[owner])
            continue
        others = {name: values for name, values in rule.when.items() if name != owner}
        if rule.need != "required" or not others:
            continue
        if len(others) > 1 or "when" in shown.get(rule.field, {}):
            raise ValueError(f"{entry_type}.{rule.field}: the form shows a field on one other field's value only")
        [(name, values)] = others.items()
        shown.setdefault(rule.field, {})["when"] = f"{name}=" + "|".join(_attribute_value(v) for v in values)
    return shown


def _compact_rules(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rules of one entry type as validate.js reads them, in the same order (the page is in the shell
    every phone keeps, so its copy is compact): ``need`` left out when "required", and neighbours that
    differ only in their field merged into one rule with ``fields`` (a later rule's message replaces an
    earlier one's: only neighbours are merged, so the order of the checks stays the same)."""
    out: list[dict[str, Any]] = []
    for rule in rules:
        rest = {key: value for key, value in rule.items() if key != "field" and (key, value) != ("need", "required")}
        last = out[-1] if out else None
        if last is not None and {key: value for key, value in last.items() if key not in ("field", "fields")} == rest:
            merged = last.pop("fields") if "fields" in last else [last.pop("field")]
            last["fields"] = [*merged, rule["field"]]
        else:
            out.append({"field": rule["field"], **rest})
    return out


def browser_conditions() -> dict[str, Any]:
    """sync.conditions.as_json() for the page: rules compacted, no empty defaults (validate.js reads
    them as {}), no owner_field (the page's data-kinds attributes say it; no script reads it)."""
    table = conditions.as_json()
    return {
        "rules": {entry_type: _compact_rules(rules) for entry_type, rules in table["rules"].items()},
        "defaults": {entry_type: values for entry_type, values in table["defaults"].items() if values},
    }


@cache
def field_rules() -> dict[str, Any]:
    """Everything validate.js and the form need, from the same tables the server validates with.

    The postbox card's defaults (round.js) are ``conditions.defaults.postbox_item``.
    """
    return {
        "fields": {
            entry_type: {name: _field(f) for name, f in fields.items()}
            for entry_type, fields in conditions.FIELDS.items()
        },
        "conditions": browser_conditions(),
        "show": {entry_type: form_conditions(entry_type) for entry_type in conditions.RULES},
        "clock_skew_minutes": int(CLOCK_SKEW / timedelta(minutes=1)),
    }
