"""Reference lists (genders, legislation, topics...) read from the data file.

Most lists are data, never constants in code: the law and the national lists
change, so the validator asks this object which values are allowed. The few
lists the code and the database schema depend on (encounter kinds, box
conditions...) have their values fixed in :mod:`sync.vocabulary`; the file
gives those their labels and order, and must hold exactly their values.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from sync.vocabulary import FIXED_LISTS

#: Where a refused file is told to look.
VOCABULARY_FILE = "sync/vocabulary.py"


@dataclass(frozen=True)
class ReferenceLists:
    """One version of every reference list: ``lists[name]`` is a tuple of
    ``{"value", "label"}`` mappings in display order."""

    version: str
    lists: Mapping[str, tuple[Mapping[str, str], ...]]
    # Precomputed once: validation asks for the same sets thousands of
    # times a second, so membership must be one frozenset lookup.
    _values: dict[str, frozenset[str]] = field(init=False, repr=False, compare=False)
    _labels: dict[str, dict[str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Build the per-list value sets and label maps."""
        values = {name: frozenset(item["value"] for item in items) for name, items in self.lists.items()}
        labels = {name: {item["value"]: item["label"] for item in items} for name, items in self.lists.items()}
        object.__setattr__(self, "_values", values)
        object.__setattr__(self, "_labels", labels)

    def values(self, name: str) -> frozenset[str]:
        """Return the allowed values of list ``name`` (KeyError if there is no such list)."""
        return self._values[name]

    def label(self, name: str, value: str) -> str:
        """Return the label of ``value`` in list ``name``.

        An unknown value is returned as is: records keep values from older
        versions of a list and must still display.
        """
        return self._labels[name].get(value, value)


def _bad(path: str | os.PathLike[str], why: str) -> ValueError:
    return ValueError(f"{os.fspath(path)}: {why}")


def load_reference(path: str | os.PathLike[str]) -> ReferenceLists:
    """Read a reference file ``{"version": str, "lists": {name: [{"value", "label"}...]}}``.

    Raises ValueError, with one line naming the file and what is wrong, when
    the file does not have that shape or a list of :data:`FIXED_LISTS` does
    not hold exactly the code's values, so that a broken edit fails at
    start-up rather than on every entry (or, past the validator, in the
    database's CHECK constraints).
    """
    with open(path, encoding="utf-8") as fh:
        try:
            doc = json.load(fh)
        except json.JSONDecodeError as exc:
            raise _bad(path, f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("version"), str):
        raise _bad(path, "expected an object with a string 'version'")
    raw_lists = doc.get("lists")
    if not isinstance(raw_lists, dict):
        raise _bad(path, "expected an object 'lists'")
    lists: dict[str, tuple[Mapping[str, str], ...]] = {}
    for name, items in raw_lists.items():
        if not isinstance(items, list):
            raise _bad(path, f"list {name!r} is not a list")
        clean = []
        for item in items:
            if not (isinstance(item, dict) and isinstance(item.get("value"), str)
                    and isinstance(item.get("label"), str)):
                raise _bad(path, f"list {name!r} has an item without a string value and label")
            kept = {"value": item["value"], "label": item["label"]}
            if name == SUGGESTING and "object" in item:
                kept["object"] = item["object"]
            clean.append(kept)
        if len({item["value"] for item in clean}) != len(clean):
            raise _bad(path, f"list {name!r} repeats a value")
        lists[name] = tuple(clean)
    problem = fixed_list_problem(lists) or _suggestion_problem(lists)
    if problem:
        raise _bad(path, problem)
    return ReferenceLists(version=doc["version"], lists=lists)


#: The list whose items may name the object of search each is usually for ("object"): the officer
#: app suggests it when a power is chosen and no object yet.
SUGGESTING = "legislation"


def _suggestion_problem(lists: Mapping[str, tuple[Mapping[str, str], ...]]) -> str | None:
    objects = {item["value"] for item in lists.get("objects_of_search", ())}
    for item in lists.get(SUGGESTING, ()):
        if "object" in item and (not isinstance(item["object"], str) or item["object"] not in objects):
            return (f"list {SUGGESTING!r}: {item['value']!r} names the object {item['object']!r}, "
                    "which is not a value of 'objects_of_search'")
    return None


def _quoted(values: list[str]) -> str:
    return ", ".join(repr(value) for value in values)


def fixed_list_problem(lists: Mapping[str, tuple[Mapping[str, str], ...]]) -> str | None:
    """Say how ``lists`` differ from the values fixed in code (:data:`FIXED_LISTS`), or None.

    Each fixed list must be there with exactly the code's values, in any order.
    """
    for name, code_values in FIXED_LISTS.items():
        if name not in lists:
            return (f"list {name!r} is missing; it must hold the code's values "
                    f"{_quoted(list(code_values))} (fixed in {VOCABULARY_FILE})")
        file_values = [item["value"] for item in lists[name]]
        unknown = [value for value in file_values if value not in code_values]
        if unknown:
            return (f"list {name!r} has {_quoted(unknown)} which the code does not know; "
                    f"the code's values are fixed in {VOCABULARY_FILE}")
        missing = [value for value in code_values if value not in file_values]
        if missing:
            return (f"list {name!r} lacks {_quoted(missing)} which the code needs; "
                    f"the code's values are fixed in {VOCABULARY_FILE}")
    return None
