"""Demo data for ``fieldapp serve --demo``: one team, its people and four postboxes.

Seeding is idempotent: running it again adds nothing and prints the same
password, which is generated once and kept in the instance folder.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from fieldapp.accounts.operations import create_user, get_or_create_team, record_created
from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction, Placement, Postbox, Role, Team, User

TEAM = "Rose Hill, Iffley and Littlemore"
USERS = [
    ("officer1", Role.OFFICER, "PC Amira Shah", "4521"),
    ("officer2", Role.OFFICER, "PCSO Tom Baker", "7710"),
    ("sergeant", Role.SUPERVISOR, "PS Jo Hughes", "1203"),
    ("admin", Role.ADMIN, "Sam Admin", None),
]
POSTBOXES = [
    ("PB-01", "Rose Hill Stores", "shop", "1 Rose Hill, Oxford OX4 4HS", 51.7290, -1.2343),
    ("PB-02", "Iffley Road Pharmacy", "shop", "220 Iffley Road, Oxford OX4 1SE", 51.7434, -1.2364),
    ("PB-03", "Rose Hill Primary School", "school", "The Oval, Rose Hill, Oxford OX4 4SF", 51.7262, -1.2312),
    ("PB-04", "Rose Hill Community Centre", "community_centre", "Carberry Close, Oxford OX4 4AZ", 51.7281, -1.2327),
]


@dataclass(frozen=True)
class DemoAccounts:
    """What ``serve --demo`` prints: the usernames with roles, and their shared password."""

    users: list[tuple[str, str]]
    password: str


def _demo_password() -> str:
    path = Path(current_app.instance_path) / "demo_password"
    if path.exists():
        return path.read_text().strip()
    password = "-".join(secrets.token_hex(3) for _ in range(3))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password)
    return password


def seed_demo() -> DemoAccounts:
    """Add the demo team, users and postboxes where missing; return how to sign in."""
    password = _demo_password()
    new_team = db.session.scalar(select(Team.id).where(Team.name == TEAM)) is None
    team = get_or_create_team(TEAM)
    for username, role, display_name, shoulder_number in USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = create_user(username, password, role=role, team_name=TEAM, display_name=display_name,
                               shoulder_number=shoulder_number, commit=False)
            record_created(user, new_team, "for the demo")  # each in the audit log, as from the admin pages
            new_team = False
        elif not user.check_password(password):
            # The password file was lost (new instance folder): make the printed one true.
            user.set_password(password)
            audit.record(AuditAction.ALTER, "user", user.id, "password set for the demo")
    for label, site_name, site_type, address, latitude, longitude in POSTBOXES:
        if db.session.scalar(select(Postbox.id).where(Postbox.label == label)) is None:
            box = Postbox(label=label, team_id=team.id)
            box.placements.append(Placement(site_name=site_name, site_type=site_type, address=address,
                                            latitude=latitude, longitude=longitude))
            db.session.add(box)
    db.session.commit()
    return DemoAccounts(users=[(u[0], u[1]) for u in USERS], password=password)
