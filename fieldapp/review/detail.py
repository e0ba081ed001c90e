"""One entry whole, for the review page: every field with its label, versions and their differences,
conflict copies, photos and decisions. Plain reads; the view decides what to log.

The page puts what a supervisor decides on first, so the fields come in the order they are read by:
for an encounter its kind, when and where, then what its kind asks (a stop and search's search type,
legislation, object, grounds and outcome), then the rest. The fields with no value are set apart
(``not_recorded``) for the page to fold away; the coordinates and their accuracy make one location.
Times are on the UK clock (fieldapp.times) and measures carry their unit ('12 m', '48 hours').
"""

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
    Section60Authorisation,
    Team,
    User,
)
from fieldapp.reference import reference_lists
from fieldapp.periods import LOCAL_ZONE
from fieldapp.times import uk_text
from fieldapp.review.queries import Viewer
from fieldapp.access import RestrictedField, find_visible_entry, hidden_fields, parse_id, restricted_shown
from sync.fields import Field, parse_bool, parse_choice, parse_choices, parse_date, parse_datetime, parse_ids
from sync.schema import (
    ENCOUNTER_BY_KIND, ENCOUNTER_COMMON, ENCOUNTER_FIELDS, POSTBOX_ITEM_FIELDS, POSTBOX_VISIT_FIELDS,
)

NOT_RECORDED = "Not recorded"
HIDDEN = "Shown to supervisors only"
#: The fields that make up where it happened, shown together as one 'Location'.
LOCATION_FIELDS = ("location_text", "latitude", "longitude", "location_accuracy_m")
#: The fields read first and shown large: what a stop and search rests on, what a resident wrote.
PROMINENT = frozenset({"grounds", "summary"})
#: A stop and search's receipt and grounds prompts: shown together in their own section
#: ('Receipt and grounds prompts', :class:`SearchContext`), not among the facts.
SCENE_FIELDS = frozenset({"receipt_ref", "grounds_warnings", "grounds_changed", "section60_authorisation"})
#: Measures and their unit (one, many): shown as '12 m', '1 hour', '48 hours'.
UNITS = {"location_accuracy_m": ("m", "m"), "exclusion_hours": ("hour", "hours")}


@dataclass(frozen=True)
class FieldRow:
    """One field as shown: its name, label and displayed value (``prominent``: read first, shown large)."""

    name: str
    label: str
    value: str
    prominent: bool = False


@dataclass(frozen=True)
class Location:
    """Where it happened: the words the officer wrote and/or the phone's fix, as shown."""

    text: str | None
    #: '51.7290, -1.2343 (within 12 m)', or None without a fix.
    coordinates: str | None
    #: OpenStreetMap centred on the fix, or None.
    link: str | None


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


@dataclass(frozen=True)
class SearchContext:
    """What a stop and search's grounds review reads beside the record: the receipt handed over, the
    section 60 authorisation it was made under, and what the grounds prompts told the officer on the phone."""

    receipt_ref: str | None
    #: The reference the search names, and the authorisation of the team by that reference (None if unknown).
    section60_reference: str | None
    section60: Section60Authorisation | None
    #: The labels of the warnings shown while the grounds were typed, in the reference list's order.
    warnings: list[str]
    #: Whether the grounds changed after a warning (None: not recorded).
    grounds_changed: bool | None
    #: The officer's body-worn video reference (the decision form starts from it).
    footage_ref: str | None


def search_context(entry: Entry) -> SearchContext | None:
    """The grounds review's context of a stop and search (None for any other entry)."""
    encounter = db.session.get(Encounter, entry.id) if entry.type == "encounter" else None
    if encounter is None or encounter.kind != "stop_search":
        return None
    authorisation = None
    if encounter.section60_authorisation:
        authorisation = db.session.scalar(select(Section60Authorisation).where(
            Section60Authorisation.team_id == entry.team_id,
            Section60Authorisation.reference == encounter.section60_authorisation))
    seen = set(encounter.grounds_warnings or [])
    warnings = [item["label"] for item in reference_lists().lists["grounds_warnings"] if item["value"] in seen]
    return SearchContext(encounter.receipt_ref, encounter.section60_authorisation, authorisation, warnings,
                         encounter.grounds_changed, encounter.bwv_footage_ref)


@dataclass
class Detail:
    """Everything the entry page shows."""

    entry: Entry
    kind: str | None
    author: User
    team: str
    #: The fields with a value, in reading order (the location among them as one row named 'location').
    facts: list[FieldRow]
    #: The fields with none, in the same order: the page lists them together, folded.
    not_recorded: list[FieldRow]
    location: Location | None
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
    #: A stop and search's receipt, authorisation and grounds prompts (None for other entries).
    search: SearchContext | None = None


def visible_entry(raw_id: str, viewer: Viewer) -> Entry | None:
    """The entry if the viewer may see it (None both when absent and when out of scope)."""
    return find_visible_entry(raw_id, viewer.role, viewer.user_id, viewer.team_id)


def device_time(moment: datetime, offset_minutes: int) -> datetime:
    """An instant shown on the clock the phone had when it was captured."""
    return moment.astimezone(timezone(timedelta(minutes=offset_minutes)))


def local_time(moment: datetime) -> datetime:
    """An instant shown on the team's clock (the queue's; the entry page uses the ``uk_time`` filter)."""
    return moment.astimezone(LOCAL_ZONE)


def when(moment: datetime | None) -> str:
    """A date and time on the clock it carries, with that clock's UTC offset spelled out (the queue's)."""
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
            return uk_text(datetime.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)
    if spec.parse is parse_date:
        try:
            return date.fromisoformat(value).strftime("%d %b %Y")
        except (TypeError, ValueError):
            return str(value)
    if spec.name == "postbox_id":
        return postboxes.get(value, f"Postbox {value}")
    if spec.name in UNITS and isinstance(value, (int, float)) and not isinstance(value, bool):
        number = round(value)
        one, many = UNITS[spec.name]
        return f"{number:,} {one if number == 1 else many}"
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


def reading_order(entry_type: str, kind: str | None) -> list[str]:
    """The fields of the page's facts in the order a supervisor reads them, the location fields as one
    ``location`` and the photos left to their own section.

    An encounter: its kind, when and where, then the fields its kind adds, then the other common ones.
    Other types keep the form's order.
    """
    if entry_type == "encounter":
        common = list(ENCOUNTER_COMMON)
        lead = common.index("location_text") + 1
        names = [*common[:lead], *ENCOUNTER_BY_KIND.get(kind or "", {}), *common[lead:]]
    else:
        names = list(fields_of(entry_type, kind))
    ordered: list[str] = []
    for name in names:
        name = "location" if name in LOCATION_FIELDS else name
        if name != "photos" and name not in ordered:
            ordered.append(name)
    return ordered


def location_of(data: dict[str, Any], shown_text: str | None) -> Location | None:
    """The location as shown: the text (as this viewer may see it) and the fix with its accuracy in metres."""
    latitude, longitude = data.get("latitude"), data.get("longitude")
    coordinates = link = None
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (latitude, longitude)):
        coordinates = f"{latitude:.4f}, {longitude:.4f}"
        accuracy = data.get("location_accuracy_m")
        if isinstance(accuracy, (int, float)) and not isinstance(accuracy, bool):
            coordinates += f" (within {display(ENCOUNTER_COMMON['location_accuracy_m'], accuracy, {})})"
        link = osm_link(latitude, longitude)
    if shown_text is None and coordinates is None:
        return None
    return Location(shown_text, coordinates, link)


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
    location = None
    if "latitude" in specs:
        text = current.get("location_text")
        location = location_of(current, _shown("location_text", specs.get("location_text"), text, postboxes, hidden)
                               if text not in (None, "") else None)
    facts: list[FieldRow] = []
    not_recorded: list[FieldRow] = []
    for name in reading_order(entry.type, kind):
        if name in SCENE_FIELDS:
            continue
        if name == "location":
            row = FieldRow(name, "Location", NOT_RECORDED if location is None else "")
        else:
            row = FieldRow(name, specs[name].label, _shown(name, specs[name], current.get(name), postboxes, hidden),
                           prominent=name in PROMINENT)
        (not_recorded if row.value == NOT_RECORDED else facts).append(row)

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
        team=db.session.get(Team, entry.team_id).name, facts=facts, not_recorded=not_recorded, location=location,
        captured_at=device_time(entry.captured_at, entry.captured_offset_minutes),
        versions=version_views, conflicts=conflict_views, reviews=reviews, photos=photos, visit=visit,
        restricted_shown=restricted_shown(viewer.role, entry.type,
                                          [v.data for v, _ in versions] + [c.data for c, _, _ in copies]),
        search=search_context(entry),
    )
