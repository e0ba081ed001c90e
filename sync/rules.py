"""Per-type checks of an entry's ``data``: which fields are required,
allowed or forbidden, and the rules that tie fields together."""
from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sync.fields import Field, FieldError
from sync.schema import (
    ASB_ACTION_FIELDS, ASB_ACTION_SPECIFIC, ENCOUNTER_BY_KIND, ENCOUNTER_COMMON,
    ENCOUNTER_FIELDS, KIND_SPECIFIC, POSTBOX_ITEM_DEFAULTS, POSTBOX_ITEM_FIELDS,
    POSTBOX_VISIT_FIELDS, STOP_SEARCH_REQUIRED, VEHICLE_SEARCH_TYPES,
)

if TYPE_CHECKING:
    from sync.validation import ValidationContext

BOTH_OR_NEITHER = "Give both latitude and longitude, or neither."


def _blank(raw: object) -> bool:
    # null, "" and whitespace mean "not given" for any field.
    return raw is None or (isinstance(raw, str) and not raw.strip())


class Reader:
    """Reads one entry's data against a field table, collecting errors.

    ``clean`` gets JSON values and ``parsed`` Python values of the fields
    that were given and valid.
    """

    __slots__ = ("fields", "ctx", "errors", "given", "clean", "parsed")

    def __init__(self, data: Mapping[Any, Any], fields: Mapping[str, Field],
                 ctx: ValidationContext, errors: dict[str, str]) -> None:
        """Note unknown fields and keep the non-blank known ones."""
        self.fields, self.ctx, self.errors = fields, ctx, errors
        self.given: dict[str, Any] = {}
        self.clean: dict[str, Any] = {}
        self.parsed: dict[str, Any] = {}
        given = self.given
        for key, raw in data.items():
            if key not in fields:
                # setdefault: an unknown data field never hides an envelope error.
                errors.setdefault(key if isinstance(key, str) else repr(key), "Unknown field.")
            elif not _blank(raw):
                given[key] = raw

    def take_all(self, names: Iterable[str], owned: Container[str] | None = None, not_used: str = "") -> None:
        """Parse those of ``names`` that were given, in that order (this runs for every entry pushed).

        With ``owned``, a given name outside it is reported with ``not_used`` instead.
        """
        given = self.given
        for name in names:
            if name not in given:
                continue
            if owned is not None and name not in owned:
                self.errors[name] = not_used
                continue
            field = self.fields[name]
            try:
                self.clean[name], self.parsed[name] = field.parse(field, given[name], self.ctx)
            except FieldError as exc:
                self.errors[name] = str(exc)

    def require(self, name: str, message: str | None = None) -> None:
        """Report ``name`` as missing unless it was given."""
        if name not in self.given:
            self.errors[name] = message or f"{self.fields[name].label} is required."

    def forbid(self, name: str, message: str) -> None:
        """Report ``name`` if it was given (it belongs to another kind or action)."""
        if name in self.given:
            self.errors[name] = message

    def coordinates(self) -> bool:
        """Check latitude and longitude come as a pair; True if either was given."""
        has_lat, has_lon = "latitude" in self.given, "longitude" in self.given
        if has_lat and not has_lon:
            self.errors.setdefault("longitude", BOTH_OR_NEITHER)
        if has_lon and not has_lat:
            self.errors.setdefault("latitude", BOTH_OR_NEITHER)
        return has_lat or has_lon


def check_encounter(r: Reader) -> None:
    """Street encounter: common fields plus those of its kind."""
    r.take_all(ENCOUNTER_COMMON)
    for name in ("kind", "occurred_at", "bwv_used"):
        r.require(name)
    if not r.coordinates():
        r.require("location_text", "Give a location description when there are no coordinates.")
    kind = r.clean.get("kind")
    if kind is None:
        # Without a kind we cannot say which other fields belong: check types only.
        r.take_all(KIND_SPECIFIC)
        return
    owned = ENCOUNTER_BY_KIND.get(kind, {})
    not_used = f"Not used for {r.ctx.reference.label('encounter_kinds', kind)}."
    r.take_all(KIND_SPECIFIC, owned, not_used)
    if kind == "stop_search":
        _stop_search(r)
    elif kind == "asb":
        _asb(r)
    elif kind in ("begging", "welfare_check"):
        r.require("support_offered")
        r.require("referral_made")
        if r.parsed.get("referral_made") is True:
            r.require("referral_org", "Give the organisation referred to.")


def _stop_search(r: Reader) -> None:
    # PACE Code A and the national return: these make a lawful record.
    for name in STOP_SEARCH_REQUIRED:
        r.require(name)
    if r.parsed.get("bwv_used") is False:
        r.require("bwv_reason_not_used", "Give the reason body-worn video was not used.")
    if r.clean.get("search_type") in VEHICLE_SEARCH_TYPES:
        r.require("vehicle_registration", "Vehicle registration is required for a vehicle search.")


def _asb(r: Reader) -> None:
    r.require("asb_category")
    r.require("asb_action")
    action = r.clean.get("asb_action")
    if action is None:
        return
    needed = ASB_ACTION_FIELDS.get(action, ())
    label = r.ctx.reference.label("asb_actions", action)
    for name in ASB_ACTION_SPECIFIC:
        if name in needed:
            r.require(name, f"{r.fields[name].label} is required for {label}.")
        else:
            r.forbid(name, f"Not used for {label}.")


def check_postbox_visit(r: Reader) -> None:
    """A visit to empty a postbox."""
    r.take_all(POSTBOX_VISIT_FIELDS)
    for name in ("postbox_id", "visited_at", "box_condition", "item_count"):
        r.require(name)
    known = r.ctx.postbox_ids
    postbox_id = r.parsed.get("postbox_id")
    if known is not None and postbox_id is not None and postbox_id not in known:
        r.errors["postbox_id"] = "Unknown postbox."


def check_postbox_item(r: Reader) -> None:
    """One resident's card from a postbox."""
    r.take_all(POSTBOX_ITEM_FIELDS)
    for name in ("visit_id", "summary"):
        r.require(name)
    r.require("topics", "Choose at least one of the topics list.")
    r.coordinates()
    for name, default in POSTBOX_ITEM_DEFAULTS.items():
        if name not in r.given:
            r.clean[name] = r.parsed[name] = default
    anonymity = r.parsed.get("anonymity")
    if anonymity == "contact_requested":
        r.require("contact_details", "Give contact details when the resident asks to be contacted.")
    elif anonymity is not None:
        # Restricted data: keep it only when the resident asked for contact.
        r.forbid("contact_details", "Contact details are kept only when the resident asks to be contacted.")


CHECKS = {
    "encounter": (ENCOUNTER_FIELDS, check_encounter),
    "postbox_visit": (POSTBOX_VISIT_FIELDS, check_postbox_visit),
    "postbox_item": (POSTBOX_ITEM_FIELDS, check_postbox_item),
}
