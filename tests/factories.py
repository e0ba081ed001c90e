"""Builders of raw sync entries, as a phone would send them (times relative to now)."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

GROUNDS = "Strong smell of cannabis; saw him pass a small bag to another man."


def iso(moment: datetime) -> str:
    return moment.isoformat()


def ago(minutes: float = 10) -> str:
    """An ISO time with an offset, ``minutes`` ago (in UTC+01:00, as a phone abroad might send)."""
    return iso((datetime.now(UTC) - timedelta(minutes=minutes)).astimezone(timezone_plus_one()))


def timezone_plus_one():
    from datetime import timezone

    return timezone(timedelta(hours=1))


def envelope(entry_type: str, data: dict[str, Any], entry_id: str | None = None) -> dict[str, Any]:
    return {"id": entry_id or str(uuid.uuid4()), "type": entry_type, "version": 1, "base_version": None,
            "captured_at": ago(1), "data": data}


def stop_search(**data: Any) -> dict[str, Any]:
    """A complete stop and search of a person, body-worn video used."""
    body = {
        "kind": "stop_search", "occurred_at": ago(15), "latitude": 51.7290, "longitude": -1.2343,
        "location_accuracy_m": 8.0, "gender": "Male", "age_range": "18-24",
        "self_defined_ethnicity": "White - Irish", "officer_defined_ethnicity": "White",
        "bwv_used": True, "search_type": "Person search",
        "legislation": "Misuse of Drugs Act 1971 (section 23)", "object_of_search": "Controlled drugs",
        "grounds": GROUNDS, "outcome": "A no further action disposal",
        "outcome_linked_to_object_of_search": False, "removal_of_more_than_outer_clothing": False,
        **data,
    }
    return envelope("encounter", {k: v for k, v in body.items() if v is not None})


def encounter(kind: str = "stop_account", **data: Any) -> dict[str, Any]:
    body = {"kind": kind, "occurred_at": ago(20), "location_text": "Outside the Co-op, Rose Hill",
            "bwv_used": True, **data}
    if kind in {"begging", "welfare_check"}:
        body.setdefault("support_offered", True)
        body.setdefault("referral_made", False)
    if kind == "asb":
        body.setdefault("asb_category", "nuisance")
        body.setdefault("asb_action", "advice")
    return envelope("encounter", body)


def visit(postbox_id: int, **data: Any) -> dict[str, Any]:
    return envelope("postbox_visit", {"postbox_id": postbox_id, "visited_at": ago(30), "box_condition": "ok",
                                      "item_count": 3, **data})


def item(visit_id: str, **data: Any) -> dict[str, Any]:
    return envelope("postbox_item", {"visit_id": visit_id, "topics": ["drugs"],
                                     "summary": "Dealing by the bus shelter after 10pm.", **data})


def edit(entry: dict[str, Any], **data: Any) -> dict[str, Any]:
    """The next version of ``entry`` with some data changed."""
    new = copy.deepcopy(entry)
    new["base_version"] = entry["version"]
    new["version"] = entry["version"] + 1
    new["captured_at"] = ago(0.5)
    new["data"].update(data)
    return new
