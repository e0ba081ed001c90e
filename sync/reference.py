"""Reference lists (genders, legislation, topics...) read from the data file.

The lists are data, never constants in code: the law and the national lists
change, so the validator asks this object which values are allowed.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field


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

    Raises ValueError when the file does not have that shape, so a broken
    edit fails at start-up rather than on every entry.
    """
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
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
            clean.append({"value": item["value"], "label": item["label"]})
        if len({item["value"] for item in clean}) != len(clean):
            raise _bad(path, f"list {name!r} repeats a value")
        lists[name] = tuple(clean)
    return ReferenceLists(version=doc["version"], lists=lists)
