"""Who may see which entries: officers their own, supervisors their team's, admins all."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Row, select, true

from fieldapp.extensions import db
from fieldapp.models import Entry, Postbox


def visible_entries(role: str, user_id: int, team_id: int) -> ColumnElement[bool]:
    """A WHERE clause selecting the entries a user may read."""
    if role == "admin":
        return true()
    if role == "supervisor":
        return Entry.team_id == team_id
    return Entry.author_id == user_id


def visible_postboxes(role: str, team_id: int) -> list[Row]:
    """(id, label) of the postboxes a user may filter on, by label: their team's, or all for an admin."""
    query = select(Postbox.id, Postbox.label).order_by(Postbox.label)
    if role != "admin":
        query = query.where(Postbox.team_id == team_id)
    return list(db.session.execute(query))


def can_see_contact_details(role: str) -> bool:
    """Residents' contact details are for supervisors and admins only."""
    return role in {"supervisor", "admin"}
