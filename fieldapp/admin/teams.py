"""The teams' stations: /admin/teams.

Teams are made when a user is added to one (fieldapp.accounts); this page sets
the police station each works from. The station is printed on the stop and
search receipts the officers' phones make (GOWISELY's S: the station the
officer is attached to), so the phones receive it in the reference document
(GET /api/reference). Setting it is an alteration in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField
from wtforms.validators import Length

from fieldapp.access import role_required
from fieldapp.admin.blueprint import bp
from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction, Role, Team, User
from fieldapp.transactions import begin_write


class StationForm(FlaskForm):
    """One team's station; blank clears it."""

    station = StringField("Station", validators=[Length(max=200, message="The station must be at most 200 characters.")])


@dataclass(frozen=True)
class TeamRow:
    """One team as listed: the row, its number of users and its form."""

    team: Team
    users: int
    form: StationForm


def _form(team: Team, formdata=None) -> StationForm:
    """A team's form; each has its own prefix, so that many fit on one page."""
    form = StationForm(formdata=formdata, prefix=f"t{team.id}")
    if formdata is None:
        form.station.data = team.station or ""
    return form


def _render(failed: dict[int, StationForm] | None = None, status: int = 200):
    failed = failed or {}
    rows = db.session.execute(
        select(Team, func.count(User.id)).outerjoin(User, User.team_id == Team.id)
        .group_by(Team.id).order_by(Team.name))
    teams = [TeamRow(team, users, failed.get(team.id) or _form(team)) for team, users in rows]
    return render_template("admin/teams.html", teams=teams), status


@bp.get("/teams")
@role_required(Role.ADMIN)
def teams():
    """Every team with its station, each with a form to set it."""
    return _render()


@bp.post("/teams/<int:team_id>/station")
@role_required(Role.ADMIN)
def set_station(team_id: int):
    """Set (or clear) a team's station: phones print it on receipts from their next sync."""
    begin_write()
    team = db.session.get(Team, team_id)
    if team is None:
        abort(404, "No team with that id.")
    form = _form(team, request.form)
    if not form.validate():
        db.session.rollback()
        return _render({team.id: form}, 400)
    station = " ".join((form.station.data or "").split()) or None
    if station != team.station:
        team.station = station
        audit.record(AuditAction.ALTER, "team", team.id,
                     f"station set to {station}" if station else "station cleared")
    db.session.commit()
    flash(f"{team.name}: station {'set to ' + station if station else 'cleared'}.")
    return redirect(url_for("admin.teams"))
