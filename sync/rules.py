"""Per-type checks of an entry's ``data``: each field against its field table
(sync.schema), then the cross-field rules of the rule table (sync.conditions).

This runs for every entry pushed, so the rule table is turned once, at
import, into a checker per entry type, and the rules that apply to each
combination of the values they depend on (kind, asb_action, bwv_used...) are
worked out the first time that combination is seen and then kept.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from string import Formatter
from typing import TYPE_CHECKING, Any, NamedTuple

from sync.conditions import DEFAULTS, FIELDS, RULES, Rule
# The API document's notes come from the same table (see sync.conditions).
from sync.conditions import field_notes, required_fields, rule_notes  # noqa: F401
from sync.fields import Field, FieldError

if TYPE_CHECKING:
    from sync.validation import ValidationContext

# Plans kept per entry type: only valid values reach a plan's key, so the real
# number is small (kinds x actions x ...); the bound is a guard.
_MAX_KEPT = 4096


def _blank(raw: object) -> bool:
    # null, "", whitespace and an empty list mean "not given" for any field
    # (an empty list of topics gets the required rule's message, an empty
    # list of photos counts as no photos for ``absent``).
    return raw is None or (isinstance(raw, str) and not raw.strip()) or (isinstance(raw, list) and not raw)


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

    def take_all(self, names: Iterable[str]) -> None:
        """Parse those of ``names`` that were given, in that order."""
        given = self.given
        for name in names:
            if name not in given:
                continue
            field = self.fields[name]
            try:
                self.clean[name], self.parsed[name] = field.parse(field, given[name], self.ctx)
            except FieldError as exc:
                self.errors[name] = str(exc)


class _Step(NamedTuple):
    """One rule, ready to check: what it needs besides the values that selected it."""

    field: str
    required: bool
    given: tuple[str, ...]
    absent: tuple[str, ...]
    rule: Rule
    text: str  # the message with the field's label filled in
    names: tuple[str, ...]  # the fields whose values' labels the message still names


class _Plan(NamedTuple):
    """For one combination of the deciding values: the rules that apply, the fields to parse."""

    steps: tuple[_Step, ...]
    to_parse: tuple[str, ...]


def _holds(rule: Rule, values: Mapping[str, Any]) -> bool:
    """Whether the value conditions of ``rule`` hold for these valid values (None: no value)."""
    for name, allowed in rule.when.items():
        if values[name] is None or values[name] not in allowed:
            return False
    for name, refused in rule.unless.items():
        if values[name] is None or values[name] in refused:
            return False
    return True


class Checker:
    """The rule table of one entry type, compiled: call it with a Reader."""

    def __init__(self, fields: Mapping[str, Field], rules: tuple[Rule, ...], defaults: Mapping[str, Any]) -> None:
        """Precompute the field order, the defaults and each rule's message."""
        self.fields = fields
        self.defaults = tuple(defaults.items())
        # The fields whose values decide which rules apply, in a fixed order: the plans' key.
        self.deciders = tuple(dict.fromkeys(name for rule in rules for name in (*rule.when, *rule.unless)))
        self.rest = tuple(name for name in self.fields if name not in self.deciders)
        steps = []
        for rule in rules:
            names = tuple(name for _, name, _, _ in Formatter().parse(rule.message) if name and name != "label")
            if not set(names) <= {*rule.when, *rule.unless}:
                raise ValueError(f"rule for {rule.field!r}: its message names a field "
                                 f"none of its conditions reads: {names}")
            text = rule.message.format(label=self.fields[rule.field].label, **{n: f"{{{n}}}" for n in names})
            steps.append(_Step(rule.field, rule.need == "required", rule.given, rule.absent,
                               rule, text, names))
        self.steps = tuple(steps)
        self._plans: dict[tuple[Any, ...], _Plan] = {}

    def plan(self, key: tuple[Any, ...]) -> _Plan:
        """The plan for ``key`` (the deciders' values), made once and kept."""
        plan = self._plans.get(key)
        if plan is None:
            values = dict(zip(self.deciders, key))
            steps = tuple(step for step in self.steps if _holds(step.rule, values))
            # A field these rules forbid outright is not parsed: its message replaces
            # any type error (it should not be there at all).
            forbidden = {step.field for step in steps if not step.required and not step.given and not step.absent}
            plan = _Plan(steps, tuple(name for name in self.rest if name not in forbidden))
            if len(self._plans) < _MAX_KEPT:
                self._plans[key] = plan
        return plan

    def __call__(self, r: Reader) -> None:
        """Parse the deciding fields, fill in the defaults, parse the fields the rules
        allow, then check the rules that apply."""
        r.take_all(self.deciders)
        clean, given, errors = r.clean, r.given, r.errors
        for name, default in self.defaults:
            if name not in given:
                clean[name] = r.parsed[name] = default
        steps, to_parse = self.plan(tuple([clean.get(name) for name in self.deciders]))
        r.take_all(to_parse)
        texts: dict[str, str] = {}  # within one entry, one message text reads the same values
        for step in steps:
            if step.required:
                if step.field in given:
                    continue
            elif step.field not in given:
                continue
            if step.given and not all(name in given for name in step.given):
                continue
            if step.absent and any(name in given for name in step.absent):
                continue
            if not step.names:
                errors[step.field] = step.text
            else:
                text = texts.get(step.text)
                if text is None:
                    text = texts[step.text] = self.message(step, r)
                errors[step.field] = text

    def message(self, step: _Step, r: Reader) -> str:
        """The step's message with the labels of the values it names."""
        labels = {}
        for name in step.names:
            list_name, value = self.fields[name].list_name, r.clean[name]
            labels[name] = r.ctx.reference.label(list_name, value) if list_name else json.dumps(value)
        return step.text.format(**labels)


_ENCOUNTER, _POSTBOX_VISIT, _POSTBOX_ITEM = (
    Checker(FIELDS[entry_type], RULES[entry_type], DEFAULTS[entry_type])
    for entry_type in ("encounter", "postbox_visit", "postbox_item"))


def check_encounter(r: Reader) -> None:
    """Street encounter: common fields plus those of its kind; a section 60 search within its authorisation."""
    _ENCOUNTER(r)
    _check_section60_window(r)


def _check_section60_window(r: Reader) -> None:
    """A section 60 search needs no suspicion, only an authorisation in force when and where it was made:
    the one it names must be the author's team's and its period must contain ``occurred_at``.

    An authorisation of another team gets the same answer as one that does not exist.
    """
    windows = r.ctx.section60_windows
    name = r.parsed.get("section60_authorisation")
    if windows is None or name is None or "section60_authorisation" in r.errors:
        return
    periods = windows.get(name)
    if not periods:
        r.errors["section60_authorisation"] = (
            f'No section 60 authorisation "{name}" is recorded for your team. '
            "Check the reference with your supervisor.")
        return
    occurred_at = r.parsed.get("occurred_at")
    if occurred_at is None:
        return  # its own error says why
    if not any(starts_at <= occurred_at <= ends_at for starts_at, ends_at in periods):
        r.errors["section60_authorisation"] = (
            f'Section 60 authorisation "{name}" was not in force at the time of this search: '
            "a search outside its period needs reasonable grounds under another power.")


def check_postbox_visit(r: Reader) -> None:
    """A visit to empty a postbox; the postbox must be one the server knows."""
    _POSTBOX_VISIT(r)
    known = r.ctx.postbox_ids
    postbox_id = r.parsed.get("postbox_id")
    if known is not None and postbox_id is not None and postbox_id not in known:
        r.errors["postbox_id"] = "Unknown postbox."


def check_postbox_item(r: Reader) -> None:
    """One resident's card from a postbox."""
    _POSTBOX_ITEM(r)


CHECKS: dict[str, tuple[Mapping[str, Field], Callable[[Reader], None]]] = {
    "encounter": (FIELDS["encounter"], check_encounter),
    "postbox_visit": (FIELDS["postbox_visit"], check_postbox_visit),
    "postbox_item": (FIELDS["postbox_item"], check_postbox_item),
}
