"""The sync validator's field tables, as JSON for the officer app.

The browser checks entries with the same fields, labels, limits and kind
rules the server applies (sync.schema), so an officer sees a problem next to
the field before saving instead of after sending. The server still checks
everything.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from sync import fields as parsers
from sync import schema
from sync.validation import CLOCK_SKEW

KINDS = {
    parsers.parse_text: "text", parsers.parse_choice: "choice", parsers.parse_choices: "choices",
    parsers.parse_bool: "bool", parsers.parse_int: "int", parsers.parse_number: "number",
    parsers.parse_datetime: "datetime", parsers.parse_date: "date", parsers.parse_uuid: "uuid",
}


def _field(field: parsers.Field) -> dict[str, Any]:
    spec: dict[str, Any] = {"label": field.label, "kind": KINDS[field.parse]}
    if spec["kind"] == "text":
        spec.update(max=field.max_len, min=field.min_len)
    if field.list_name:
        spec["list"] = field.list_name
    if field.low is not None:
        spec["low"] = field.low
    if field.high is not None:
        spec["high"] = field.high
    return spec


@cache
def field_rules() -> dict[str, Any]:
    """Everything validate.js needs, from the same tables the server validates with."""
    return {
        "fields": {
            "encounter": {name: _field(f) for name, f in schema.ENCOUNTER_FIELDS.items()},
            "postbox_visit": {name: _field(f) for name, f in schema.POSTBOX_VISIT_FIELDS.items()},
            "postbox_item": {name: _field(f) for name, f in schema.POSTBOX_ITEM_FIELDS.items()},
        },
        "common": list(schema.ENCOUNTER_COMMON),
        "by_kind": {kind: list(owned) for kind, owned in schema.ENCOUNTER_BY_KIND.items()},
        "stop_search_required": list(schema.STOP_SEARCH_REQUIRED),
        "vehicle_search_types": sorted(schema.VEHICLE_SEARCH_TYPES),
        "asb_action_fields": {action: list(names) for action, names in schema.ASB_ACTION_FIELDS.items()},
        "item_defaults": schema.POSTBOX_ITEM_DEFAULTS,
        "clock_skew_minutes": int(CLOCK_SKEW / timedelta(minutes=1)),
    }
