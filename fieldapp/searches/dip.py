"""The monthly dip sample: a random draw of a team's stop and searches for the inspector to review.

PACE Code A asks supervisors to monitor the records; the inspectorate found they rarely looked at
the footage. Each month the previous month's stop and searches of a team are sampled: the size is
``DIP_SAMPLE_PER_SUPERVISOR`` (app.config) for each active supervisor of the team (at least that
once), or every search when there are fewer. "The inspector" is a supervisor of the team or an admin.

- **Fixed once drawn**: one sample per team and month (a unique constraint). A second draw, or two
  at once, never replaces or duplicates it: on SQLite the write lock is taken first
  (:func:`fieldapp.transactions.begin_write`), on PostgreSQL the loser of a race meets the
  constraint and is told the sample exists.
- **Reproducible**: the seed is random (``secrets.token_hex``) and recorded; the draw is the pure
  function :func:`draw` of that seed and the candidates' ids in a canonical order (sorted), so
  anyone can recompute a sample from its seed and the month's searches.
- **Audited**: a draw is a COMBINE event with the seed in its detail; viewing the sample is a
  CONSULT of each search shown.

Drawn on demand from /searches/dip, or for every team lacking one by ``fieldapp dip-sample`` (cron).
A month with no stop and search is not recorded as drawn: searches synced late can still be sampled.
"""

from __future__ import annotations

import random
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

import click
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.cli import with_appcontext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField

from fieldapp.access import role_required
from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction, DipSample, DipSampleEntry, Encounter, Entry, Review, Role, Team, User
from fieldapp.models.types import utcnow
from fieldapp.periods import LOCAL_ZONE
from fieldapp.reference import reference_lists
from fieldapp.searches import bp
from fieldapp.transactions import begin_write

MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
INVALID_MONTH = "Give the month as YYYY-MM, a month that has ended."
NO_TEAM = "No team with that id."


# --------------------------------------------------------------------------
# The draw
# --------------------------------------------------------------------------

def draw(seed: str, entry_ids: Iterable[uuid.UUID], size: int) -> list[uuid.UUID]:
    """The sample: ``size`` ids (all of them when fewer) drawn by ``seed`` from ``entry_ids`` sorted.

    A pure function: the same seed and the same candidates give the same sample, in the same order,
    whatever order the candidates came in.
    """
    ordered = sorted(set(entry_ids))
    return random.Random(seed).sample(ordered, min(max(size, 0), len(ordered)))


def previous_month(today: date) -> date:
    """The first day of the month before ``today``'s."""
    return date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)


def this_month() -> date:
    """The first day of the current month on the team's clock."""
    return utcnow().astimezone(LOCAL_ZONE).date().replace(day=1)


def parse_month(text: str | None) -> date | None:
    """``YYYY-MM`` as the first day of that month if the month has ended; None otherwise."""
    match = MONTH.match((text or "").strip())
    if match is None:
        return None
    month = date(int(match.group(1)), int(match.group(2)), 1)
    return month if date(2000, 1, 1) <= month < this_month() else None


def month_label(month: date) -> str:
    """'November 2026'."""
    return month.strftime("%B %Y")


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month as UTC instants, from its first midnight to the next month's, on the UK clock."""
    following = date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), LOCAL_ZONE).astimezone(timezone.utc)

    return midnight(month), midnight(following)


def candidates(team_id: int, month: date) -> list[uuid.UUID]:
    """The team's stop and searches that happened in ``month`` (UK clock), sorted by id."""
    start, end = month_bounds(month)
    return sorted(db.session.scalars(
        select(Entry.id).join(Encounter, Encounter.entry_id == Entry.id)
        .where(Entry.team_id == team_id, Entry.type == "encounter", Encounter.kind == "stop_search",
               Entry.occurred_at >= start, Entry.occurred_at < end)))


def sample_size(team_id: int) -> int:
    """The size asked for: the setting for each active supervisor of the team, at least the setting once."""
    per_supervisor = int(current_app.config["DIP_SAMPLE_PER_SUPERVISOR"])
    supervisors = db.session.scalar(select(func.count(User.id)).where(
        User.team_id == team_id, User.role == Role.SUPERVISOR.value, User.active.is_(True))) or 0
    return per_supervisor * max(supervisors, 1)


def existing_sample(team_id: int, month: date) -> DipSample | None:
    """The team's sample of ``month``, if drawn."""
    return db.session.scalar(select(DipSample).where(DipSample.team_id == team_id, DipSample.month == month))


class AlreadyDrawn(Exception):
    """The month's sample of the team exists; it stays as drawn."""

    def __init__(self, sample: DipSample | None) -> None:
        super().__init__("already drawn")
        self.sample = sample


def draw_sample(team: Team, month: date, drawer_id: int) -> DipSample | None:
    """Draw and record the team's sample of ``month`` and log it; None when the month had no search.

    The caller has called :func:`begin_write`; this commits. Raises :class:`AlreadyDrawn` when a
    sample exists (before or, in a race, at commit); nothing is then changed.
    """
    found = existing_sample(team.id, month)
    if found is not None:
        raise AlreadyDrawn(found)
    ids = candidates(team.id, month)
    if not ids:
        db.session.rollback()
        return None
    seed = secrets.token_hex(16)
    size = sample_size(team.id)
    drawn = draw(seed, ids, size)
    sample = DipSample(team_id=team.id, month=month, seed=seed, size=size, drawn_by=drawer_id,
                       entries=[DipSampleEntry(position=i, entry_id=entry_id) for i, entry_id in enumerate(drawn)])
    db.session.add(sample)
    try:
        db.session.flush()
        audit.record(AuditAction.COMBINE, "dip_sample", sample.id,
                     f"team {team.id}, {month:%Y-%m}: drew {len(drawn)} of {len(ids)} stop and searches "
                     f"(size {size}); seed {seed}", actor_id=drawer_id)
        db.session.commit()
    except IntegrityError:  # another draw of the same team and month committed first
        db.session.rollback()
        raise AlreadyDrawn(existing_sample(team.id, month)) from None
    return sample


# --------------------------------------------------------------------------
# What the page shows
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Drawn:
    """One search of a sample as the page lists it."""

    entry_id: uuid.UUID
    officer: str
    occurred_at: datetime
    legislation: str
    #: The latest grounds assessment since the draw (its label), by whom; None when not reviewed since.
    assessment: str | None
    reviewer: str | None


def drawn_searches(sample: DipSample) -> list[Drawn]:
    """The sample's searches in draw order, each with its latest grounds assessment since the draw."""
    ids = [row.entry_id for row in sample.entries]
    if not ids:
        return []
    rows = {row.id: row for row in db.session.execute(
        select(Entry.id, Entry.occurred_at, Encounter.legislation, User.display_name, User.shoulder_number)
        .join(Encounter, Encounter.entry_id == Entry.id).join(User, User.id == Entry.author_id)
        .where(Entry.id.in_(ids)))}
    assessed: dict[uuid.UUID, tuple[str, str]] = {}
    for review, name in db.session.execute(
            select(Review, User.display_name).join(User, User.id == Review.reviewer_id)
            .where(Review.entry_id.in_(ids), Review.grounds_assessment.is_not(None),
                   Review.created_at >= sample.drawn_at)
            .order_by(Review.created_at, Review.id)):
        assessed[review.entry_id] = (review.grounds_assessment, name)  # the latest wins
    lists = reference_lists()
    shown: list[Drawn] = []
    for entry_id in ids:
        row = rows.get(entry_id)
        if row is None:
            continue
        officer = row.display_name + (f" ({row.shoulder_number})" if row.shoulder_number else "")
        assessment, reviewer = assessed.get(entry_id, (None, None))
        shown.append(Drawn(entry_id, officer, row.occurred_at,
                           lists.label("legislation", row.legislation) if row.legislation else "Not recorded",
                           lists.label("grounds_assessments", assessment) if assessment else None, reviewer))
    return shown


# --------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------

class DrawForm(FlaskForm):
    """Draw the sample of one team and month (the page says which)."""

    team = HiddenField()
    month = HiddenField()


def _team_or_abort(raw: str | None) -> Team:
    """The team asked for: supervisors their own (another team's is 404), admins any (theirs by default)."""
    if raw in (None, "") or current_user.role != Role.ADMIN:
        if raw not in (None, "") and raw != str(current_user.team_id):
            abort(404, NO_TEAM)
        return db.session.get(Team, current_user.team_id)
    team = db.session.get(Team, int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    if team is None:
        abort(404, NO_TEAM)
    return team


def _month_or_400(raw: str | None) -> date:
    """The month asked for (the previous one by default); 400 with the rule when unreadable."""
    if raw in (None, ""):
        return previous_month(this_month())
    month = parse_month(raw)
    if month is None:
        abort(400, INVALID_MONTH)
    return month


@bp.get("/dip")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def dip():
    """A team's dip sample of a month: each search drawn and whether it has been reviewed since."""
    team = _team_or_abort(request.args.get("team"))
    month = _month_or_400(request.args.get("month"))
    sample = existing_sample(team.id, month)
    searches = drawn_searches(sample) if sample is not None else []
    drawer = db.session.get(User, sample.drawn_by) if sample is not None else None
    if searches:
        audit.record_many(AuditAction.CONSULT, "entry", [s.entry_id for s in searches],
                          f"dip sample {month:%Y-%m} of team {team.id}")
    db.session.commit()
    teams = list(db.session.scalars(select(Team).order_by(Team.name))) if current_user.role == Role.ADMIN else []
    form = DrawForm(formdata=None, team=str(team.id), month=f"{month:%Y-%m}")
    return render_template(
        "searches/dip.html", team=team, teams=teams, month=month, month_name=month_label(month),
        sample=sample, drawer=drawer, searches=searches, reviewed=sum(1 for s in searches if s.assessment),
        form=form, size=sample_size(team.id), candidates=len(candidates(team.id, month)) if sample is None else None,
        earlier=previous_month(month), later=month.replace(year=month.year + (month.month == 12),
                                                           month=month.month % 12 + 1),
        this_month=this_month()), 200, {"Cache-Control": "no-store"}


@bp.post("/dip")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def dip_draw():
    """Draw the sample of the team and month shown, once: a second draw changes nothing and says so."""
    begin_write()
    form = DrawForm()
    if not form.validate_on_submit():
        abort(400, "The form has expired: open the page again and draw.")
    team = _team_or_abort(form.team.data)
    month = _month_or_400(form.month.data)
    back = url_for("searches.dip", team=team.id, month=f"{month:%Y-%m}")
    try:
        sample = draw_sample(team, month, current_user.id)
    except AlreadyDrawn:
        flash(f"The sample for {month_label(month)} was already drawn; it stays as drawn.")
        return redirect(back)
    if sample is None:
        flash(f"No stop and search of {team.name} happened in {month_label(month)}: nothing to draw.")
    else:
        flash(f"Drew {len(sample.entries)} stop and searches of {month_label(month)} for review.")
    return redirect(back)


# --------------------------------------------------------------------------
# The command (cron)
# --------------------------------------------------------------------------

def _drawer(username: str | None) -> User:
    """Who the command's draws are recorded as: ``--by`` (a supervisor or admin), else the first active admin."""
    query = select(User).where(User.active.is_(True), User.role.in_([Role.SUPERVISOR.value, Role.ADMIN.value]))
    if username:
        user = db.session.scalar(query.where(User.username == username.strip().lower()))
        if user is None:
            raise click.ClickException(f"no active supervisor or admin named {username!r}")
        return user
    user = db.session.scalar(query.where(User.role == Role.ADMIN.value).order_by(User.id))
    if user is None:
        raise click.ClickException("no active admin to record as the drawer: pass --by USERNAME")
    return user


@click.command("dip-sample")
@click.option("--month", "month_text", metavar="YYYY-MM", help="The month to sample (default: the previous one).")
@click.option("--by", "username", metavar="USERNAME",
              help="The supervisor or admin the draws are recorded as (default: the first active admin).")
@with_appcontext
def dip_sample_command(month_text: str | None, username: str | None) -> None:
    """Draw the month's dip sample of stop and searches for every team that has none yet."""
    month = previous_month(this_month()) if month_text is None else parse_month(month_text)
    if month is None:
        raise click.ClickException(INVALID_MONTH)
    drawer = _drawer(username)
    drawer_id = drawer.id
    teams = [(team.id, team.name) for team in db.session.scalars(select(Team).order_by(Team.name))]
    drawn = 0
    for team_id, name in teams:
        begin_write()
        try:
            sample = draw_sample(db.session.get(Team, team_id), month, drawer_id)
        except AlreadyDrawn:
            click.echo(f"{name}: already drawn for {month:%Y-%m}, unchanged")
            continue
        if sample is None:
            click.echo(f"{name}: no stop and search in {month:%Y-%m}, nothing to draw")
        else:
            drawn += 1
            click.echo(f"{name}: drew {len(sample.entries)} stop and searches (seed {sample.seed})")
    click.echo(f"Dip samples for {month:%Y-%m}: {drawn} drawn; each draw is in the audit log.")
