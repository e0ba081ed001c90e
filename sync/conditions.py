"""The cross-field rules of each entry type, as data: written once, read everywhere.

A rule says that one field is required, or must be left out, when its
conditions hold. Every condition of a rule must hold:

``when``    ``{field: values}``: the field's value is one of these;
``unless``  ``{field: values}``: the field has a value, and not one of these;
``given``   ``(fields)``: each of these was given (valid or not);
``absent``  ``(fields)``: none of these was given.

A field's value, for ``when`` and ``unless``, is what it was given if that
passed the field's own checks, or its default when it was not given; a field
given an invalid value has none, so the rules that hang on it wait until it
is fixed. A message may name ``{label}`` (the field's label) and any field of
a ``when`` or ``unless`` (the label of that field's value in its list).

Readers of this table: the server's validator (:mod:`sync.rules`), the
officer app's checks and the form's show/hide conditions (the table reaches
``static/js/validate.js`` and the page through
``fieldapp.officer.rule_table.field_rules``), and the API document's notes
(:func:`rule_notes`, :func:`field_notes`, :func:`required_fields`).
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Literal

from sync.schema import (
    ENCOUNTER_BY_KIND, ENCOUNTER_FIELDS, POSTBOX_ITEM_DEFAULTS, POSTBOX_ITEM_FIELDS, POSTBOX_VISIT_FIELDS,
)
from sync.vocabulary import FIXED_LISTS

Value = str | bool
Values = tuple[Value, ...]


@dataclasses.dataclass(frozen=True)
class Rule:
    """One field required (``need="required"``) or to be left out (``"forbidden"``) under conditions."""

    field: str
    need: Literal["required", "forbidden"]
    message: str
    when: Mapping[str, Values] = dataclasses.field(default_factory=dict)
    unless: Mapping[str, Values] = dataclasses.field(default_factory=dict)
    given: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The rule as the browser reads it (empty conditions left out)."""
        out: dict[str, Any] = {"field": self.field, "need": self.need, "message": self.message}
        for key in ("when", "unless"):
            if getattr(self, key):
                out[key] = {name: list(values) for name, values in getattr(self, key).items()}
        for key in ("given", "absent"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        return out


def required(name: str, message: str = "{label} is required.", *, when: Mapping[str, Values] | None = None,
             given: tuple[str, ...] = (), absent: tuple[str, ...] = ()) -> Rule:
    """``name`` must be given when the conditions hold."""
    return Rule(name, "required", message, when=dict(when or {}), given=given, absent=absent)


def forbidden(name: str, message: str, *, when: Mapping[str, Values] | None = None,
              unless: Mapping[str, Values] | None = None) -> Rule:
    """``name`` must be left out when the conditions hold."""
    return Rule(name, "forbidden", message, when=dict(when or {}), unless=dict(unless or {}))


BOTH_OR_NEITHER = "Give both latitude and longitude, or neither."
# A position is a pair: half of one is a mistake, not a rougher location.
COORDINATE_PAIR = (
    required("longitude", BOTH_OR_NEITHER, given=("latitude",)),
    required("latitude", BOTH_OR_NEITHER, given=("longitude",)),
)


def _not_used_by_other_kinds() -> list[Rule]:
    """A field that belongs to some kinds (sync.schema.ENCOUNTER_BY_KIND) is left out by the others."""
    owners: dict[str, list[str]] = {}
    for kind, owned in ENCOUNTER_BY_KIND.items():
        for name in owned:
            owners.setdefault(name, []).append(kind)
    return [forbidden(name, "Not used for {kind}.", unless={"kind": tuple(kinds)})
            for name, kinds in owners.items()]


STOP_SEARCH = {"kind": ("stop_search",)}
#: The legislation value of a section 60 search (reference list 'legislation').
SECTION_60 = "Criminal Justice and Public Order Act 1994 (section 60)"
ASB = {"kind": ("asb",)}
SUPPORT = {"kind": ("begging", "welfare_check")}

# ASB action -> the fields it requires; the other actions must leave them out.
# A dispersal direction (s35) needs an inspector's authorisation, at most 48
# hours and an area; a community protection warning (s43) the conduct and a
# comply-by date.
ASB_ACTION_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "s35_direction": ("authorisation_ref", "exclusion_hours", "area_description"),
    "cpw": ("conduct", "comply_by"),
})


def _asb_action_rules() -> list[Rule]:
    needed_by: dict[str, list[str]] = {}
    for action, names in ASB_ACTION_FIELDS.items():
        for name in names:
            needed_by.setdefault(name, []).append(action)
    rules = []
    for name, actions in needed_by.items():
        rules.append(required(name, "{label} is required for {asb_action}.",
                              when={**ASB, "asb_action": tuple(actions)}))
        rules.append(forbidden(name, "Not used for {asb_action}.", when=ASB, unless={"asb_action": tuple(actions)}))
    return rules


ENCOUNTER_RULES = (
    required("kind"),
    required("occurred_at"),
    required("bwv_used"),
    *COORDINATE_PAIR,
    required("location_text", "Give a location description when there are no coordinates.",
             absent=("latitude", "longitude")),
    *_not_used_by_other_kinds(),
    # PACE Code A and the national return: these make a lawful record.
    *(required(name, when=STOP_SEARCH) for name in (
        "search_type", "legislation", "object_of_search", "grounds", "outcome",
        "outcome_linked_to_object_of_search", "removal_of_more_than_outer_clothing",
        "self_defined_ethnicity",
    )),
    # The inspectorate asks why, whenever a search was not filmed.
    required("bwv_reason_not_used", "Give the reason body-worn video was not used.",
             when={**STOP_SEARCH, "bwv_used": (False,)}),
    # The national data.police.uk search types that search a vehicle; a new type
    # must be added here on purpose.
    required("vehicle_registration", "Vehicle registration is required for a vehicle search.",
             when={**STOP_SEARCH, "search_type": ("Vehicle search", "Person and Vehicle search")}),
    # Section 60 needs no suspicion, only an authorisation in force (the server checks its window).
    required("section60_authorisation", "Name the section 60 authorisation this search was made under.",
             when={**STOP_SEARCH, "legislation": (SECTION_60,)}),
    forbidden("section60_authorisation", "Only a section 60 search names a section 60 authorisation.",
              when=STOP_SEARCH, unless={"legislation": (SECTION_60,)}),
    required("asb_category", when=ASB),
    required("asb_action", when=ASB),
    *_asb_action_rules(),
    required("support_offered", when=SUPPORT),
    required("referral_made", when=SUPPORT),
    required("referral_org", "Give the organisation referred to.", when={**SUPPORT, "referral_made": (True,)}),
)

POSTBOX_VISIT_RULES = tuple(required(name) for name in ("postbox_id", "visited_at", "box_condition", "item_count"))

POSTBOX_ITEM_RULES = (
    required("visit_id"),
    # A card may be recorded by its photo alone: the photo is the resident's own words.
    required("summary", "Write what the card says, or take a photo of it.", absent=("photos",)),
    required("topics", "Choose at least one of the topics list."),
    *COORDINATE_PAIR,
    required("contact_details", "Give contact details when the resident asks to be contacted.",
             when={"anonymity": ("contact_requested",)}),
    # Restricted data: kept only when the resident asked for contact.
    forbidden("contact_details", "Contact details are kept only when the resident asks to be contacted.",
              unless={"anonymity": ("contact_requested",)}),
)

#: entry type -> its field table, its rules in the order they are checked, and
#: the values filled in for fields not given.
FIELDS: Mapping[str, Mapping[str, Any]] = MappingProxyType({
    "encounter": ENCOUNTER_FIELDS, "postbox_visit": POSTBOX_VISIT_FIELDS, "postbox_item": POSTBOX_ITEM_FIELDS,
})
RULES: Mapping[str, tuple[Rule, ...]] = MappingProxyType({
    "encounter": ENCOUNTER_RULES, "postbox_visit": POSTBOX_VISIT_RULES, "postbox_item": POSTBOX_ITEM_RULES,
})
DEFAULTS: Mapping[str, Mapping[str, Any]] = MappingProxyType({
    "encounter": {}, "postbox_visit": {}, "postbox_item": POSTBOX_ITEM_DEFAULTS,
})
#: The field whose value decides which fields an entry type has at all.
OWNER_FIELD: Mapping[str, str] = MappingProxyType({"encounter": "kind"})


def check_table(rules_by_type: Mapping[str, tuple[Rule, ...]], fields_by_type: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse a rule that names an unknown field, a condition on anything but one choice or a
    yes/no, or a value its field cannot hold (for the lists fixed in sync/vocabulary.py)."""
    for entry_type, rules in rules_by_type.items():
        fields = fields_by_type[entry_type]
        for rule in rules:
            names = [rule.field, *rule.when, *rule.unless, *rule.given, *rule.absent]
            unknown = [name for name in names if name not in fields]
            if unknown:
                raise ValueError(f"{entry_type} rule for {rule.field!r} names unknown fields {unknown}")
            for name, values in (*rule.when.items(), *rule.unless.items()):
                spec = fields[name]
                if spec.parse.__name__ not in ("parse_choice", "parse_bool"):
                    raise ValueError(f"{entry_type} rule for {rule.field!r}: conditions read one choice or "
                                     f"a yes/no, not {name!r}")
                fixed = FIXED_LISTS.get(spec.list_name or "")
                if fixed is not None and not set(values) <= set(fixed):
                    raise ValueError(f"{entry_type} rule for {rule.field!r}: {name} has no value "
                                     f"{sorted(set(values) - set(fixed))} (see sync/vocabulary.py)")


check_table(RULES, FIELDS)  # at import: a broken table stops start-up, not a push


# --- the rules in words, for the API document ---------------------------------

def _values(values: Iterable[Value]) -> str:
    return " or ".join(json.dumps(value) for value in values)


def _conditions(rule: Rule) -> str:
    parts = [f"{name} is {_values(values)}" for name, values in rule.when.items()]
    # (A missing or invalid value is its own error; these sentences describe valid entries.)
    parts += [f"{name} is not {_values(values)}" if len(values) == 1 else
              f"{name} is not one of {', '.join(json.dumps(value) for value in values)}"
              for name, values in rule.unless.items()]
    parts += [f"{name} is given" for name in rule.given]
    if len(rule.absent) == 1:
        parts.append(f"{rule.absent[0]} is not given")
    elif rule.absent:
        parts.append(f"neither {' nor '.join(rule.absent)} is given")
    return " and ".join(parts)


def _predicate(rule: Rule) -> str:
    """'required when ...' or 'left out when ...', without a subject or a full stop."""
    conditions = _conditions(rule)
    return ("required" if rule.need == "required" else "left out") + (f" when {conditions}" if conditions else "")


def rule_notes(entry_type: str) -> list[str]:
    """Every rule of ``entry_type`` as one English sentence, in the order they are checked,
    then the defaults.

    E.g. ``'vehicle_registration is required when kind is "stop_search" and
    search_type is "Vehicle search" or "Person and Vehicle search".'``
    """
    notes = [f"{rule.field} {'is' if rule.need == 'required' else 'must be'} {_predicate(rule)}."
             for rule in RULES[entry_type]]
    notes += [f"{name} is {json.dumps(value)} when not given." for name, value in DEFAULTS[entry_type].items()]
    return notes


def field_notes(entry_type: str) -> dict[str, str]:
    """Field name -> the sentences of the rules about that field (fields with no rule left out).

    E.g. ``{"referral_org": 'Must be left out when kind is not one of
    "begging", "welfare_check". Required when kind is "begging" or "welfare_check" and
    referral_made is true.', ...}``
    """
    notes: dict[str, list[str]] = {}
    for rule in RULES[entry_type]:
        predicate = _predicate(rule)
        sentence = "R" + predicate[1:] if rule.need == "required" else f"Must be {predicate}"
        notes.setdefault(rule.field, []).append(sentence + ".")
    return {name: " ".join(sentences) for name, sentences in notes.items()}


def required_fields(entry_type: str, kind: str | None = None) -> tuple[str, ...]:
    """The fields ``entry_type`` always requires; with ``kind``, also those that kind requires.

    Fields required only under some other condition (a vehicle search's
    registration, coordinates given by halves) are not included: see
    :func:`field_notes`.
    """
    owner = OWNER_FIELD.get(entry_type)
    names = []
    for rule in RULES[entry_type]:
        if rule.need != "required" or rule.unless or rule.given or rule.absent:
            continue
        if not rule.when or (kind is not None and set(rule.when) == {owner} and kind in rule.when[owner]):
            names.append(rule.field)
    return tuple(names)


def as_json() -> dict[str, Any]:
    """The table as the browser reads it: rules and defaults per entry type."""
    return {
        "rules": {entry_type: [rule.as_json() for rule in rules] for entry_type, rules in RULES.items()},
        "defaults": {entry_type: dict(values) for entry_type, values in DEFAULTS.items()},
        "owner_field": dict(OWNER_FIELD),
    }
