"""Who may see what, checked on the server: which roles may open a page,
which entries and postboxes each role sees (officers their own, supervisors
their team's, admins all), and which fields of an entry a role is shown."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, Row, select, true

from fieldapp.extensions import db
from fieldapp.models import Entry, Postbox, Role


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



def visible_entries(role: str, user_id: int, team_id: int) -> ColumnElement[bool]:
    """A WHERE clause selecting the entries a user may read."""
    if role == "admin":
        return true()
    if role == "supervisor":
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
    if role != "admin":
        query = query.where(Postbox.team_id == team_id)
    return list(db.session.execute(query))


def can_see_contact_details(role: str) -> bool:
    """Residents' contact details are for supervisors and admins only."""
    return role in {"supervisor", "admin"}
