"""Who may see what, checked on the server: the rules are the tables at the top, written once, and
every page, API route and export asks the functions below them.

- **Pages**: :func:`role_required` lets only the roles named open a view.
- **Rows**: each role's :data:`REACH` says which entries it sees (officers their own, supervisors their
  team's, admins all) and so which postboxes it may filter on (its team's, or all).
- **Fields**: :data:`RESTRICTED_FIELDS` are parts of an entry's data that only some roles are shown
  (residents' contact details: supervisors and admins). The API leaves them out, the review page shows
  a placeholder, no export ever holds them, whoever asks; each showing is logged as a consultation.
- **Photos**: :data:`PHOTO_VIEWERS` may fetch the photos of an entry they can see; only the officer who
  made an entry adds photos to it.
- **Files** of personal data (photos, exports) go out with :data:`PERSONAL_DATA_HEADERS`: never cached.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from types import MappingProxyType
from typing import Any

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, Row, select, true

from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction, Entry, Photo, Postbox, Role


class Reach(StrEnum):
    """How far a role sees: its own entries, its team's, or every team's."""

    OWN = "own"
    TEAM = "team"
    ALL = "all"


#: Each role's reach. A role missing here (none should be) sees only its own entries.
REACH: Mapping[str, Reach] = MappingProxyType({
    Role.OFFICER: Reach.OWN,
    Role.SUPERVISOR: Reach.TEAM,
    Role.ADMIN: Reach.ALL,
})

#: The roles that review entries: decide on them, resolve conflict copies, see restricted fields.
REVIEWERS: frozenset[Role] = frozenset({Role.SUPERVISOR, Role.ADMIN})

#: The roles that may fetch a photo's bytes (of an entry they can see).
PHOTO_VIEWERS: frozenset[Role] = REVIEWERS


@dataclass(frozen=True)
class RestrictedField:
    """A field of an entry's data shown only to ``seen_by``, never exported; each showing is logged."""

    entry_type: str
    name: str
    seen_by: frozenset[Role]
    #: What the audit log says was shown.
    description: str


#: Every restricted field. Adding one here hides it in the API and on the review page, keeps it out
#: of every export and logs each showing (tests/test_access.py walks this table for every role).
RESTRICTED_FIELDS: tuple[RestrictedField, ...] = (
    RestrictedField("postbox_item", "contact_details", REVIEWERS, "resident's contact details"),
)

#: Headers of every file of personal data sent (a photo, an export): no cache on the way keeps a copy,
#: and no browser reads it as anything but the type it is sent as.
PERSONAL_DATA_HEADERS: Mapping[str, str] = MappingProxyType({
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
})


# --------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------

def role_required(*roles: Role) -> Callable:
    """Allow only signed-in users whose role is one of ``roles`` (others get 403)."""
    allowed = {str(role) for role in roles}

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def is_reviewer(role: str) -> bool:
    """Whether ``role`` reviews entries (and so is offered the decision and conflict forms)."""
    return role in REVIEWERS


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------

def reach(role: str) -> Reach:
    """How far ``role`` sees."""
    return REACH.get(role, Reach.OWN)


def visible_entries(role: str, user_id: int, team_id: int) -> ColumnElement[bool]:
    """A WHERE clause selecting the entries a user may read."""
    scope = reach(role)
    if scope is Reach.ALL:
        return true()
    if scope is Reach.TEAM:
        return Entry.team_id == team_id
    return Entry.author_id == user_id


def parse_id(raw: str) -> uuid.UUID | None:
    """An entry or photo id from a URL, or None when it is not a UUID."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None


def find_visible_entry(raw_id: str, role: str, user_id: int, team_id: int) -> Entry | None:
    """The entry with id ``raw_id`` if the user may see it; None both when absent and out of scope
    (callers answer 404 either way, so existence is not leaked)."""
    entry_id = parse_id(raw_id)
    if entry_id is None:
        return None
    return db.session.scalar(select(Entry).where(Entry.id == entry_id, visible_entries(role, user_id, team_id)))


def visible_postboxes(role: str, team_id: int) -> list[Row]:
    """(id, label) of the postboxes a user may filter on, by label: their team's, or all for an admin."""
    query = select(Postbox.id, Postbox.label).order_by(Postbox.label)
    if reach(role) is not Reach.ALL:
        query = query.where(Postbox.team_id == team_id)
    return list(db.session.execute(query))


# --------------------------------------------------------------------------
# Fields
# --------------------------------------------------------------------------

def _holds(data: Mapping[str, Any], name: str) -> bool:
    """Whether ``data`` holds a value for ``name`` (stored data never keeps blanks, but be sure)."""
    return data.get(name) not in (None, "")


def hidden_fields(role: str, entry_type: str) -> frozenset[str]:
    """The fields of an ``entry_type`` entry that ``role`` is not shown."""
    return frozenset(field.name for field in RESTRICTED_FIELDS
                     if field.entry_type == entry_type and role not in field.seen_by)


def visible_fields(role: str, entry_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of an entry's ``data`` without the fields ``role`` is not shown."""
    hidden = hidden_fields(role, entry_type)
    return {name: value for name, value in data.items() if name not in hidden}


def restricted_shown(role: str, entry_type: str, datas: Iterable[Mapping[str, Any]]) -> list[RestrictedField]:
    """The restricted fields that ``role`` is shown with a value in any of ``datas`` (to be logged)."""
    datas = list(datas)
    return [field for field in RESTRICTED_FIELDS
            if field.entry_type == entry_type and role in field.seen_by
            and any(_holds(data, field.name) for data in datas)]


def log_restricted_shown(entry_id: uuid.UUID, shown: Iterable[RestrictedField]) -> None:
    """Log the showing of each of ``shown`` on entry ``entry_id`` as a consultation (in the caller's transaction)."""
    for field in shown:
        audit.record(AuditAction.CONSULT, field.name, entry_id, f"{field.description} shown")


def never_exported(entry_type: str) -> frozenset[str]:
    """The fields of an ``entry_type`` entry that no export holds, whoever asks."""
    return frozenset(field.name for field in RESTRICTED_FIELDS if field.entry_type == entry_type)


# --------------------------------------------------------------------------
# Photos
# --------------------------------------------------------------------------

def can_see_photos(role: str) -> bool:
    """Whether ``role`` may fetch the photos of the entries it can see."""
    return role in PHOTO_VIEWERS


def find_visible_photo(raw_id: str, entry: Entry, role: str) -> Photo | None:
    """The photo with id ``raw_id`` of ``entry`` (one the caller can see) if ``role`` may fetch it;
    None when absent, on another entry or not for this role (callers answer 404 alike)."""
    photo_id = parse_id(raw_id)
    if photo_id is None or not can_see_photos(role):
        return None
    photo = db.session.get(Photo, photo_id)
    return photo if photo is not None and photo.entry_id == entry.id else None


def may_add_photo(user_id: int, entry: Entry) -> bool:
    """Whether the user may attach a photo to ``entry``: only the officer who made it."""
    return entry.author_id == user_id


def init_app(app) -> None:
    """Let every template ask the same questions the views ask (never a role spelled in a template)."""
    app.jinja_env.globals.update(Role=Role, is_reviewer=is_reviewer, can_see_photos=can_see_photos)
