"""Section 60 authorisations: /searches/authorisations.

A search under section 60 (Criminal Justice and Public Order Act 1994) needs no
suspicion, only an authorisation in force: an officer of inspector rank or above
authorises searches in an area for up to 24 hours, which a superintendent may
extend by 24 more. Supervisors record their team's authorisations here (admins
any team's); the phones receive them with the reference lists (GET
/api/reference) and offer them, and the server refuses a section 60 search
outside the period of the one it names (sync.rules).

Times are typed and shown on the team's clock (UK time) and stored in UTC.
Recording one is a collection in the audit log, ending one early an alteration,
and each listing a consultation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import ColumnElement, select, true
from sqlalchemy.exc import IntegrityError
from wtforms import DateTimeLocalField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from fieldapp.access import role_required
from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction, Role, Section60Authorisation, Team, User
from fieldapp.models.types import utcnow
from fieldapp.periods import LOCAL_ZONE
from fieldapp.reference import reference_lists
from fieldapp.searches import bp
from fieldapp.transactions import begin_write

RECORD_TYPE = "section60_authorisation"
#: 24 hours, plus up to 24 more when a superintendent extends the authorisation.
LONGEST = timedelta(hours=48)
#: How many past authorisations the page lists (the latest).
PAST_SHOWN = 50
_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


class AuthorisationForm(FlaskForm):
    """A new authorisation. The team field is for admins only (a supervisor records for their own team)."""

    team = SelectField("Team", coerce=int, validators=[DataRequired("Choose the team.")])
    reference = StringField("Authorisation reference", validators=[
        DataRequired("Give the authorisation's reference."),
        Length(max=40, message="The reference must be at most 40 characters.")])
    authorising_rank = SelectField("Authorising officer's rank",
                                   validators=[DataRequired("Choose the authorising officer's rank.")])
    area_description = TextAreaField("Area it covers", validators=[
        DataRequired("Describe the area the authorisation covers."),
        Length(max=2000, message="The area description must be at most 2,000 characters.")])
    starts_at = DateTimeLocalField("Starts (UK time)", format=_LOCAL_FORMAT,
                                   validators=[InputRequired("Give the date and time it starts.")])
    # InputRequired, not DataRequired: a value typed wrong keeps its own message.
    ends_at = DateTimeLocalField("Ends (UK time)", format=_LOCAL_FORMAT,
                                 validators=[InputRequired("Give the date and time it ends.")])


@dataclass(frozen=True)
class Listed:
    """One authorisation as listed: the row, its team's name and who recorded it."""

    row: Section60Authorisation
    team_name: str
    recorded_by: str


def visible() -> ColumnElement[bool]:
    """The authorisations the signed-in user may see: admins every team's, supervisors their team's."""
    if current_user.role == Role.ADMIN:
        return true()
    return Section60Authorisation.team_id == current_user.team_id


def _form(formdata=None) -> AuthorisationForm:
    """The form with its choices: the ranks list, and for admins the teams."""
    form = AuthorisationForm(formdata=formdata)
    form.authorising_rank.choices = [
        SelectChoice("", "Choose…"),
        *(SelectChoice(item["value"], item["label"]) for item in reference_lists().lists["section60_ranks"])]
    if current_user.role == Role.ADMIN:
        teams = db.session.execute(select(Team.id, Team.name).order_by(Team.name))
        form.team.choices = [SelectChoice(0, "Choose…"), *(SelectChoice(team_id, name) for team_id, name in teams)]
    else:
        del form.team
    return form


def _local(typed: datetime) -> datetime:
    """A datetime-local value (UK time) as an instant in UTC."""
    return typed.replace(tzinfo=LOCAL_ZONE).astimezone(UTC)


def _listed(now: datetime) -> tuple[list[Listed], list[Listed], list[Listed]]:
    """The visible authorisations: in force now, future (soonest first), past (latest first)."""
    rows = [Listed(row, team, who) for row, team, who in db.session.execute(
        select(Section60Authorisation, Team.name, User.display_name)
        .join(Team, Team.id == Section60Authorisation.team_id)
        .join(User, User.id == Section60Authorisation.created_by)
        .where(visible()).order_by(Section60Authorisation.starts_at, Section60Authorisation.id))]
    current = [a for a in rows if a.row.starts_at <= now <= a.row.ends_at]
    future = [a for a in rows if a.row.starts_at > now]
    past = sorted((a for a in rows if a.row.ends_at < now), key=lambda a: a.row.ends_at, reverse=True)
    return current, future, past[:PAST_SHOWN]


def _render(form: AuthorisationForm | None = None, status: int = 200):
    """The page; each authorisation listed is logged as a consultation."""
    now = utcnow()
    current, future, past = _listed(now)
    audit.record_many(AuditAction.CONSULT, RECORD_TYPE, [a.row.id for a in current + future + past],
                      "listed on the section 60 authorisations page")
    db.session.commit()
    return render_template("searches/authorisations.html", form=form or _form(), current=current, future=future,
                           past=past, show_team=current_user.role == Role.ADMIN), status, \
        {"Cache-Control": "no-store"}


@bp.get("/authorisations")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def authorisations():
    """The team's section 60 authorisations (every team's for admins) and the form to record one."""
    return _render()


def _checked(form: AuthorisationForm) -> tuple[int, datetime, datetime] | None:
    """The team and the period in UTC, or None with the errors on the form."""
    team_id = form.team.data if "team" in form else current_user.team_id
    if team_id is None:
        form.reference.errors = [*form.reference.errors, "You belong to no team: an admin must add you to one."]
        return None
    starts_at, ends_at = _local(form.starts_at.data), _local(form.ends_at.data)
    if ends_at <= starts_at:
        form.ends_at.errors = [*form.ends_at.errors, "The end must be after the start."]
        return None
    if ends_at - starts_at > LONGEST:
        form.ends_at.errors = [*form.ends_at.errors,
                               "An authorisation lasts at most 24 hours, and a superintendent may extend it by "
                               "24 more: the end must be within 48 hours of the start."]
        return None
    reference = form.reference.data.strip()
    taken = db.session.scalar(select(Section60Authorisation.id).where(
        Section60Authorisation.team_id == team_id, Section60Authorisation.reference == reference))
    if taken is not None:
        form.reference.errors = [*form.reference.errors,
                                 "The team already has an authorisation with this reference."]
        return None
    return team_id, starts_at, ends_at


@bp.post("/authorisations")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def record_authorisation():
    """Record a new authorisation (reference unique in the team, at most 48 hours long)."""
    begin_write()
    form = _form(request.form)
    checked = _checked(form) if form.validate() else None
    if checked is None:
        db.session.rollback()
        return _render(form, 400)
    team_id, starts_at, ends_at = checked
    row = Section60Authorisation(team_id=team_id, reference=form.reference.data.strip(),
                                 authorising_rank=form.authorising_rank.data,
                                 area_description=form.area_description.data.strip(),
                                 starts_at=starts_at, ends_at=ends_at, created_by=current_user.id)
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:  # another request recorded the same reference first
        db.session.rollback()
        form.reference.errors = [*form.reference.errors, "The team already has an authorisation with this reference."]
        return _render(form, 400)
    audit.record(AuditAction.COLLECT, RECORD_TYPE, row.id, f"section 60 authorisation {row.reference} recorded")
    db.session.commit()
    flash(f"Section 60 authorisation {row.reference} recorded. Phones receive it at their next sync.")
    return redirect(url_for("searches.authorisations"))


@bp.post("/authorisations/<int:authorisation_id>/end")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def end_authorisation(authorisation_id: int):
    """End an authorisation in force now: it ends at this moment; searches after it are refused."""
    begin_write()
    row = db.session.scalar(select(Section60Authorisation).where(
        Section60Authorisation.id == authorisation_id, visible()))
    if row is None:
        abort(404, "No section 60 authorisation with that id that you can see.")
    now = utcnow()
    if row.ends_at <= now:
        db.session.rollback()
        flash(f"Section 60 authorisation {row.reference} had already ended.")
    elif row.starts_at >= now:
        db.session.rollback()
        flash(f"Section 60 authorisation {row.reference} has not started: it cannot be ended early.")
    else:
        row.ends_at = now
        audit.record(AuditAction.ALTER, RECORD_TYPE, row.id, f"section 60 authorisation {row.reference} ended early")
        db.session.commit()
        flash(f"Section 60 authorisation {row.reference} ended now.")
    return redirect(url_for("searches.authorisations"))
