"""The records the audit log names: every record type the code writes, and links to those a viewer may open.

:data:`RECORD_TYPES` is the one list of what ``record_type`` holds (the search
form offers it; tests/audit_log/test_records.py checks every ``audit.record``
call in the code against it). :func:`record_links` turns a page of events into
links with one query per kind of record on the page, never one per row:
entries (and the restricted fields shown on them) open their review page,
photos their entry's, when the viewer may see that entry; users, devices (their
user's page) and postboxes open their admin page, for admins. A record that is
gone (an erased entry) or out of the viewer's reach stays plain text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from fieldapp.access import RESTRICTED_FIELDS, parse_id, visible_entries
from fieldapp.extensions import db
from fieldapp.models import Device, Entry, Photo, Postbox, Role, User
from sync.vocabulary import ENTRY_TYPES

#: Record types that name an entry by its id: the entry, and each restricted field shown on one.
ENTRY_RECORDS = frozenset({"entry", *(field.name for field in RESTRICTED_FIELDS)})

#: Every record type the code writes, with its name in the search form, in the form's order.
RECORD_TYPES: tuple[tuple[str, str], ...] = (
    ("entry", "Entry"),
    ("photo", "Photo"),
    *((field.name, f"Entry: {field.description}") for field in RESTRICTED_FIELDS),
    ("entry_list", "Entries listed through the API"),
    ("review_queue", "Review queue"),
    ("report", "Report"),
    ("export:stop-search", "Export: stop and search (national format)"),
    *((f"export:{entry_type}", f"Export: {entry_type.replace('_', ' ')}s") for entry_type in ENTRY_TYPES),
    ("user", "User"),
    ("team", "Team"),
    ("device", "Device"),
    ("postbox", "Postbox"),
    ("section60_authorisation", "Section 60 authorisation"),
    ("record_request", "Record request (from /receipt)"),
    ("dip_sample", "Dip sample"),
    ("scrutiny_pack", "Scrutiny pack"),
    ("population_group", "Population by ethnic group"),
    ("audit_log", "Audit log"),
)


@dataclass(frozen=True)
class Viewer:
    """Who reads the log: what they may open depends on their role, id and team."""

    role: str
    user_id: int
    team_id: int


def _ids(raw_ids: Iterable[str], parse) -> set:
    """The ids among ``raw_ids`` that ``parse`` reads (others are no record's)."""
    found = set()
    for raw in raw_ids:
        value = parse(raw)
        if value is not None:
            found.add(value)
    return found


def _int_id(raw: str) -> int | None:
    """An integer id, or None."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def record_links(rows: Iterable, viewer: Viewer) -> dict[tuple[str, str], str]:
    """The URL of each ``(record_type, record_id)`` of ``rows`` that ``viewer`` may open.

    One query per kind of record present on the page (entries, photos, users,
    devices, postboxes), whatever the number of rows.
    """
    wanted: Mapping[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.record_id:
            kind = "entry" if row.record_type in ENTRY_RECORDS else row.record_type
            wanted[kind].add(row.record_id)
    links: dict[tuple[str, str], str] = {}
    scope = visible_entries(viewer.role, viewer.user_id, viewer.team_id)

    if entry_ids := _ids(wanted.get("entry", ()), parse_id):
        seen = {str(found) for found in db.session.scalars(select(Entry.id).where(Entry.id.in_(entry_ids), scope))}
        for record_type in ENTRY_RECORDS:
            links.update({(record_type, raw): url_for("review.entry", entry_id=raw) for raw in seen})
    if photo_ids := _ids(wanted.get("photo", ()), parse_id):
        found = db.session.execute(select(Photo.id, Photo.entry_id).join(Entry, Entry.id == Photo.entry_id)
                                   .where(Photo.id.in_(photo_ids), scope))
        links.update({("photo", str(photo_id)): url_for("review.entry", entry_id=str(entry_id))
                      for photo_id, entry_id in found})
    if viewer.role != Role.ADMIN:  # the admin pages below are for admins only
        return links
    if user_ids := _ids(wanted.get("user", ()), _int_id):
        links.update({("user", str(user_id)): url_for("users.user", user_id=user_id)
                      for user_id in db.session.scalars(select(User.id).where(User.id.in_(user_ids)))})
    if device_ids := _ids(wanted.get("device", ()), _int_id):
        found = db.session.execute(select(Device.id, Device.user_id).where(Device.id.in_(device_ids)))
        links.update({("device", str(device_id)): url_for("users.user", user_id=user_id)
                      for device_id, user_id in found})
    if postbox_ids := _ids(wanted.get("postbox", ()), _int_id):
        links.update({("postbox", str(box_id)): url_for("postboxes.postbox", postbox_id=box_id)
                      for box_id in db.session.scalars(select(Postbox.id).where(Postbox.id.in_(postbox_ids)))})
    return links

