"""The reference lists (data/reference.json, or the file FIELDAPP_REFERENCE_FILE names), loaded once per process.

The file is read and checked when the app is created (see fieldapp.config), so
that a file the code cannot work with stops start-up with one line saying
what is wrong, instead of failing phones' pushes one by one: its shape, the
lists whose values are fixed in code (sync.vocabulary), and that every value
fits the database column that stores it.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from flask import current_app, has_app_context

from sync import ReferenceLists, load_reference

REFERENCE_FILE = Path(__file__).resolve().parent / "data" / "reference.json"


def reference_lists() -> ReferenceLists:
    """The lists every part of the app uses: the officer app, the validator and the exports.

    Those of the current app's REFERENCE_FILE; outside an app, the packaged file's.
    """
    path = current_app.config.get("REFERENCE_FILE", REFERENCE_FILE) if has_app_context() else REFERENCE_FILE
    return load(path)


def load(path: str | os.PathLike[str]) -> ReferenceLists:
    """Read and check the reference file at ``path`` (once per process and path).

    Raises OSError when it cannot be read, ValueError (one line, naming the
    file) when the app cannot work with it.
    """
    return _load(os.fspath(path))


@cache
def _load(path: str) -> ReferenceLists:
    lists = load_reference(path)
    problem = too_long(lists)
    if problem:
        raise ValueError(f"{path}: {problem}")
    return lists


def stored_in() -> dict[str, list]:
    """Each list the validator reads -> the database columns its values are stored in.

    An entry's fields are stored in the columns of the same name of its
    type's table; a postbox item's topics in the item topics table.
    """
    from fieldapp.models import Encounter, PostboxItem, PostboxItemTopic, PostboxVisit
    from sync.schema import ENCOUNTER_FIELDS, POSTBOX_ITEM_FIELDS, POSTBOX_VISIT_FIELDS

    columns: dict[str, list] = {}
    for fields, table in ((ENCOUNTER_FIELDS, Encounter.__table__), (POSTBOX_VISIT_FIELDS, PostboxVisit.__table__),
                          (POSTBOX_ITEM_FIELDS, PostboxItem.__table__)):
        for field in fields.values():
            if not field.list_name:
                continue
            column = PostboxItemTopic.__table__.c.topic if field.name == "topics" else table.c.get(field.name)
            if column is not None:
                columns.setdefault(field.list_name, []).append(column)
    return columns


def too_long(lists: ReferenceLists) -> str | None:
    """Name a value longer than a column that stores it can hold (PostgreSQL refuses it), or None."""
    for name, columns in stored_in().items():
        limit = min((column.type.length for column in columns if getattr(column.type, "length", None)),
                    default=None)
        if limit is None or name not in lists.lists:
            continue
        for item in lists.lists[name]:
            if len(item["value"]) > limit:
                return (f"list {name!r} has {item['value']!r}, longer than the {limit} characters "
                        f"the database keeps for it")
    return None
