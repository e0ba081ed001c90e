"""One entry whole, for the review page: every field with its label, versions and their differences,
conflict copies, photos and decisions. Plain reads; the view decides what to log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import aliased

from fieldapp.extensions import db
from fieldapp.models import (
    ConflictCopy,
    Encounter,
    Entry,
    EntryVersion,
    Photo,
    Postbox,
    PostboxVisit,
    Review,
    Team,
    User,
)
from fieldapp.reference import reference_lists
from fieldapp.periods import LOCAL_ZONE
from fieldapp.review.queries import Viewer
from fieldapp.access import RestrictedField, find_visible_entry, hidden_fields, parse_id, restricted_shown
from sync.fields import Field, parse_bool, parse_choice, parse_choices, parse_date, parse_datetime, parse_ids
from sync.schema import (
    ENCOUNTER_BY_KIND, ENCOUNTER_COMMON, ENCOUNTER_FIELDS, POSTBOX_ITEM_FIELDS, POSTBOX_VISIT_FIELDS,
)

NOT_RECORDED = "Not recorded"
HIDDEN = "Shown to supervisors only"


@dataclass(frozen=True)
class FieldRow:
    """One field as shown: its name, label and displayed value."""

    name: str
    label: str
    value: str


@dataclass(frozen=True)
class Change:
    """One field that differs between two versions."""

    label: str
    before: str
    after: str


@dataclass
class VersionView:
    """One received version, who sent it, and what changed from the one before."""

    version: int
    received_at: datetime
    captured_at: datetime
    submitted_by: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class ConflictView:
    """A conflict copy and how it differs from the current version."""

    copy: ConflictCopy
    submitted_by: str
    captured_at: datetime
    resolved_by: str | None
    changes: list[Change]


@dataclass(frozen=True)
class PhotoSlot:
    """One photo of the entry as the page lists it: received (``photo``) or only named in the data."""

    id: str
    photo: Photo | None


@dataclass
class Detail:
    """Everything the entry page shows."""

    entry: Entry
    kind: str | None
    author: User
    team: str
    fields: list[FieldRow]
    location: dict[str, Any] | None
    captured_at: datetime
    versions: list[VersionView]
    conflicts: list[ConflictView]
    reviews: list[Any]  # rows of (review, reviewer's name)
    #: The photos the current version names, in its order, then any other received for the entry;
    #: a slot with no ``photo`` is named but not yet received from the phone.
    photos: list[PhotoSlot]
    visit: PostboxVisit | None
    #: The restricted fields this page shows with a value (each showing is logged).
    restricted_shown: list[RestrictedField]


def visible_entry(raw_id: str, viewer: Viewer) -> Entry | None:
    """The entry if the viewer may see it (None both when absent and when out of scope)."""
    return find_visible_entry(raw_id, viewer.role, viewer.user_id, viewer.team_id)


def device_time(moment: datetime, offset_minutes: int) -> datetime:
    """An instant shown on the clock the phone had when it was captured."""
    return moment.astimezone(timezone(timedelta(minutes=offset_minutes)))


def local_time(moment: datetime) -> datetime:
    """An instant shown on the team's clock."""
    return moment.astimezone(LOCAL_ZONE)


def when(moment: datetime | None) -> str:
    """A date and time on the clock it carries, with that clock's UTC offset spelled out."""
    if moment is None:
        return NOT_RECORDED
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{moment:%a %d %b %Y, %H:%M} (UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d})"


def osm_link(latitude: float, longitude: float) -> str:
    """A plain link to OpenStreetMap centred on the point (no tiles fetched by this server)."""
    query = urlencode({"mlat": f"{latitude:.6f}", "mlon": f"{longitude:.6f}"})
    return f"https://www.openstreetmap.org/?{query}#map=18/{latitude:.6f}/{longitude:.6f}"


def fields_of(entry_type: str, kind: str | None) -> dict[str, Field]:
    """The fields an entry of this type (and encounter kind) has, in form order."""
    if entry_type == "encounter":
        return {**ENCOUNTER_COMMON, **ENCOUNTER_BY_KIND.get(kind or "", {})}
    return dict(POSTBOX_VISIT_FIELDS if entry_type == "postbox_visit" else POSTBOX_ITEM_FIELDS)


def _all_fields(entry_type: str) -> dict[str, Field]:
    """Every field of the type, whatever the kind (a later version may change kind)."""
    return ENCOUNTER_FIELDS if entry_type == "encounter" else fields_of(entry_type, None)


def display(spec: Field | None, value: Any, postboxes: dict[int, str]) -> str:
    """A stored JSON value as a person reads it: labels from the reference lists, Yes/No, dates."""
    if value is None or value == "" or value == []:
        return NOT_RECORDED
    if spec is None:
        return str(value)
    lists = reference_lists()
    if spec.parse is parse_bool:
        return "Yes" if value else "No"
    if spec.parse is parse_choice and spec.list_name:
        return lists.label(spec.list_name, value)
    if spec.parse is parse_choices and spec.list_name:
        return ", ".join(lists.label(spec.list_name, v) for v in value)
    if spec.parse is parse_ids and isinstance(value, list):
        return "1 photo" if len(value) == 1 else f"{len(value)} photos"
    if spec.parse is parse_datetime:
        try:
            return when(datetime.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)
    if spec.parse is parse_date:
        try:
            return date.fromisoformat(value).strftime("%d %b %Y")
        except (TypeError, ValueError):
            return str(value)
    if spec.name == "postbox_id":
        return postboxes.get(value, f"Postbox {value}")
    return str(value)


def _shown(name: str, spec: Field | None, value: Any, postboxes: dict[int, str], hidden: frozenset[str]) -> str:
    """A value as this viewer may see it: the fields ``hidden`` from them (see fieldapp.access) as a placeholder."""
    if name in hidden and value not in (None, ""):
        return HIDDEN
    return display(spec, value, postboxes)


def diff(entry_type: str, before: dict[str, Any], after: dict[str, Any], postboxes: dict[int, str],
         hidden: frozenset[str]) -> list[Change]:
    """The fields whose values differ between two versions' data, in form order."""
    specs = _all_fields(entry_type)
    names = [*specs, *sorted((set(before) | set(after)) - set(specs))]
    return [Change(specs[name].label if name in specs else name,
                   _shown(name, specs.get(name), before.get(name), postboxes, hidden),
                   _shown(name, specs.get(name), after.get(name), postboxes, hidden))
            for name in names if before.get(name) != after.get(name)]


def _postbox_labels(datas: list[dict[str, Any]], visit: PostboxVisit | None) -> dict[int, str]:
    """The labels of every postbox named in the versions (one query)."""
    ids = {d["postbox_id"] for d in datas if isinstance(d.get("postbox_id"), int)}
    if visit is not None:
        ids.add(visit.postbox_id)
    if not ids:
        return {}
    return {box_id: label for box_id, label in db.session.execute(select(Postbox.id, Postbox.label)
                                                                 .where(Postbox.id.in_(ids)))}


def photo_slots(named: Any, received: Iterable[Photo]) -> list[PhotoSlot]:
    """The ids ``named`` in the entry's data (received or not) in their order, then the other ``received``."""
    by_id = {str(photo.id): photo for photo in received}
    ids = [str(n).lower() for n in named] if isinstance(named, list) else []
    slots = [PhotoSlot(photo_id, by_id.pop(photo_id, None)) for photo_id in dict.fromkeys(ids)]
    return slots + [PhotoSlot(photo_id, photo) for photo_id, photo in by_id.items()]


def load_detail(entry: Entry, viewer: Viewer) -> Detail:
    """Everything about one entry, in a fixed handful of queries."""
    hidden = hidden_fields(viewer.role, entry.type)
    submitter = aliased(User)
    versions = db.session.execute(
        select(EntryVersion, submitter.display_name).join(submitter, submitter.id == EntryVersion.submitted_by)
        .where(EntryVersion.entry_id == entry.id).order_by(EntryVersion.version)).all()
    resolver = aliased(User)
    copies = db.session.execute(
        select(ConflictCopy, submitter.display_name, resolver.display_name)
        .join(submitter, submitter.id == ConflictCopy.submitted_by)
        .outerjoin(resolver, resolver.id == ConflictCopy.resolved_by)
        .where(ConflictCopy.entry_id == entry.id)
        # Unresolved first: they are what needs a decision.
        .order_by(ConflictCopy.resolved_at.is_not(None), ConflictCopy.received_at, ConflictCopy.id)).all()
    current = next(v for v, _ in versions if v.version == entry.version).data
    kind = current.get("kind") if entry.type == "encounter" else None
    visit = None
    if entry.type == "postbox_item" and current.get("visit_id"):
        visit = db.session.get(PostboxVisit, parse_id(current["visit_id"]))
    postboxes = _postbox_labels([v.data for v, _ in versions] + [c.data for c, _, _ in copies], visit)

    specs = fields_of(entry.type, kind)
    rows = [FieldRow(name, spec.label, _shown(name, spec, current.get(name), postboxes, hidden))
            for name, spec in specs.items()]
    location = None
    if isinstance(current.get("latitude"), (int, float)) and isinstance(current.get("longitude"), (int, float)):
        location = {"latitude": current["latitude"], "longitude": current["longitude"],
                    "accuracy": current.get("location_accuracy_m"),
                    "link": osm_link(current["latitude"], current["longitude"])}

    version_views: list[VersionView] = []
    previous: dict[str, Any] | None = None
    for version, name in versions:
        view = VersionView(version.version, version.received_at,
                           device_time(version.captured_at, version.captured_offset_minutes), name)
        if previous is not None:
            view.changes = diff(entry.type, previous, version.data, postboxes, hidden)
        version_views.append(view)
        previous = version.data
    conflict_views = [ConflictView(copy, name, device_time(copy.captured_at, copy.captured_offset_minutes),
                                   resolved_name, diff(entry.type, current, copy.data, postboxes, hidden))
                      for copy, name, resolved_name in copies]
    reviews = list(db.session.execute(
        select(Review, User.display_name).join(User, User.id == Review.reviewer_id)
        .where(Review.entry_id == entry.id).order_by(Review.created_at, Review.id)))
    photos = photo_slots(current.get("photos"), db.session.scalars(
        select(Photo).where(Photo.entry_id == entry.id).order_by(Photo.uploaded_at, Photo.id)))
    if entry.type == "encounter" and kind is None:
        kind = db.session.scalar(select(Encounter.kind).where(Encounter.entry_id == entry.id))
    return Detail(
        entry=entry, kind=kind, author=db.session.get(User, entry.author_id),
        team=db.session.get(Team, entry.team_id).name, fields=rows, location=location,
        captured_at=device_time(entry.captured_at, entry.captured_offset_minutes),
        versions=version_views, conflicts=conflict_views, reviews=reviews, photos=photos, visit=visit,
        restricted_shown=restricted_shown(viewer.role, entry.type,
                                          [v.data for v, _ in versions] + [c.data for c, _, _ in copies]),
    )
