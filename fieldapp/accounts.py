"""Creating teams and users: the writes behind ``fieldapp create-user``, the demo and admin pages."""

from __future__ import annotations

import re

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Role, Team, User

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """A user could not be created; the message says why."""


def get_or_create_team(name: str) -> Team:
    """The team called ``name``, created if it does not exist."""
    name = name.strip()
    if not name or len(name) > 200:
        raise AccountError("A team name must be 1 to 200 characters.")
    team = db.session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        db.session.add(team)
        db.session.flush()
    return team


def check_password_strength(password: str) -> None:
    """Refuse passwords too short to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.")


def create_user(username: str, password: str, *, role: str, team_name: str,
                display_name: str | None = None, shoulder_number: str | None = None,
                commit: bool = True) -> User:
    """Add a user with a hashed password. Usernames are stored in lower case."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError("A username is 2 to 64 characters: letters, digits, '.', '_' or '-'.")
    if role not in {r.value for r in Role}:
        raise AccountError(f"Unknown role {role!r}: use officer, supervisor or admin.")
    check_password_strength(password)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"There is already a user called {username!r}.")
    user = User(
        username=username,
        display_name=(display_name or username).strip()[:200],
        shoulder_number=(shoulder_number or None),
        role=role,
        team=get_or_create_team(team_name),
    )
    user.set_password(password)
    db.session.add(user)
    if commit:
        db.session.commit()
    return user
