"""Who may see which entries: officers their own, supervisors their team's, admins all."""

from __future__ import annotations

from sqlalchemy import ColumnElement, true

from fieldapp.models import Entry


def visible_entries(role: str, user_id: int, team_id: int) -> ColumnElement[bool]:
    """A WHERE clause selecting the entries a user may read."""
    if role == "admin":
        return true()
    if role == "supervisor":
        return Entry.team_id == team_id
    return Entry.author_id == user_id


def can_see_contact_details(role: str) -> bool:
    """Residents' contact details are for supervisors and admins only."""
    return role in {"supervisor", "admin"}
