"""The public's record requests as supervisors' tasks: /searches/requests.

A request made on /receipt (fieldapp.public) names a receipt reference. One
that matches a search belongs to the search's team: its supervisors see it.
One that matches none is shown to the supervisors of every team (and admins),
marked so, since nobody can tell which team's officer wrote the reference down
wrong. Admins see every request.

Open requests come first, the nearest deadline first, with the time left
(overdue ones stand out); answered ones follow, the latest first. The contact
details are personal data: each request listed is a consultation in the audit
log. Marking one answered (how, when, a note) is an alteration, logged too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import ColumnElement, or_, select, true
from wtforms import DateTimeLocalField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from fieldapp.access import role_required
from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction, RecordRequest, Role, Team, User
from fieldapp.models.types import utcnow
from fieldapp.periods import LOCAL_ZONE
from fieldapp.searches import bp
from fieldapp.transactions import begin_write

RECORD_TYPE = "record_request"
#: How a request was answered: a fixed list, like the reference lists.
ANSWER_METHODS = (("email", "Email"), ("letter", "Letter"), ("phone", "Phone"), ("in_person", "In person"))
#: How many answered requests the page lists (the latest).
ANSWERED_SHOWN = 100
#: A phone's clock may run a little ahead of the server's: an answer this far in the future is still 'now'.
CLOCK_SKEW = timedelta(minutes=5)


class AnswerForm(FlaskForm):
    """Marking one request answered: how, when (the page fills in now), and an optional note."""

    method = SelectField("How it was answered", choices=[SelectChoice(v, label) for v, label in (("", "Choose…"), *ANSWER_METHODS)],
                         validators=[DataRequired("Choose how the request was answered.")])
    answered_at = DateTimeLocalField("When (UK time)", format="%Y-%m-%dT%H:%M",
                                     validators=[Optional()])
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)])


@dataclass(frozen=True)
class Task:
    """One request as listed: the row, its team's name, who answered it, and its form while open."""

    request: RecordRequest
    team_name: str | None
    answered_by: str | None
    form: AnswerForm | None


def visible() -> ColumnElement[bool]:
    """The requests the signed-in user may see: admins all; supervisors their team's and the unmatched."""
    if current_user.role == Role.ADMIN:
        return true()
    return or_(RecordRequest.team_id == current_user.team_id, RecordRequest.team_id.is_(None))


def time_left(due_at: datetime, now: datetime) -> str:
    """``due in 3 days``, ``due in 5 hours``, ``overdue by 2 days``: the time to the deadline in words."""
    gap = due_at - now
    span = abs(gap)
    if span >= timedelta(days=1):
        words = _plural(span.days, "day")
    elif span >= timedelta(hours=1):
        words = _plural(span.seconds // 3600, "hour")
    else:
        words = "less than an hour"
    return f"due in {words}" if gap >= timedelta(0) else f"overdue by {words}"


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def _local_now() -> datetime:
    """Now on the team's clock, to the minute, as a datetime-local input shows it."""
    return utcnow().astimezone(LOCAL_ZONE).replace(tzinfo=None, second=0, microsecond=0)


def _answer_form(request_id: int, formdata=None) -> AnswerForm:
    """A request's answer form; each has its own prefix, so that many fit on one page."""
    form = AnswerForm(formdata=formdata, prefix=f"r{request_id}")
    if formdata is None:
        form.answered_at.data = _local_now()
    return form


def _tasks(answered: bool, failed: dict[int, AnswerForm]) -> list[Task]:
    """The visible requests, open (nearest deadline first) or answered (latest first)."""
    query = (select(RecordRequest, Team.name, User.display_name)
             .outerjoin(Team, Team.id == RecordRequest.team_id)
             .outerjoin(User, User.id == RecordRequest.answered_by)
             .where(visible()))
    if answered:
        query = (query.where(RecordRequest.answered_at.is_not(None))
                 .order_by(RecordRequest.answered_at.desc(), RecordRequest.id.desc()).limit(ANSWERED_SHOWN))
    else:
        query = query.where(RecordRequest.answered_at.is_(None)).order_by(RecordRequest.due_at, RecordRequest.id)
    return [Task(row, team, who, None if answered else failed.get(row.id) or _answer_form(row.id))
            for row, team, who in db.session.execute(query)]


def _render(failed: dict[int, AnswerForm] | None = None, status: int = 200):
    """The task list; each request shown is logged as a consultation of its contact details."""
    open_tasks, answered = _tasks(False, failed or {}), _tasks(True, {})
    shown = [task.request.id for task in open_tasks + answered]
    audit.record_many(AuditAction.CONSULT, RECORD_TYPE, shown, "contact details shown on the record requests list")
    db.session.commit()
    return render_template("searches/requests.html", open_tasks=open_tasks, answered=answered, now=utcnow(),
                           time_left=time_left, methods=dict(ANSWER_METHODS),
                           show_team=current_user.role == Role.ADMIN), status, {"Cache-Control": "no-store"}


@bp.get("/requests")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def record_requests():
    """The public's record requests the user may answer: open first, then answered."""
    return _render()


def _answered_at(form: AnswerForm, requested_at: datetime, now: datetime) -> datetime | None:
    """The moment typed (UK time) in UTC, now if blank; None (with the error on the form) if it cannot be."""
    typed = form.answered_at.data
    if typed is None:
        return now
    moment = typed.replace(tzinfo=LOCAL_ZONE).astimezone(UTC)
    if moment > now + CLOCK_SKEW:
        form.answered_at.errors = [*form.answered_at.errors, "That time is in the future."]
        return None
    if moment < requested_at.replace(second=0, microsecond=0):
        form.answered_at.errors = [*form.answered_at.errors, "That is before the request was made."]
        return None
    return moment


@bp.post("/requests/<int:request_id>/answer")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def answer_request(request_id: int):
    """Mark a request answered: how, when and an optional note (once; a second answer changes nothing)."""
    begin_write()
    # Locked (PostgreSQL; SQLite's write lock is held already): two supervisors answering at once
    # cannot both find it open.
    row = db.session.scalar(select(RecordRequest).where(RecordRequest.id == request_id, visible())
                            .with_for_update())
    if row is None:
        abort(404, "No record request with that id that you can see.")
    if row.answered_at is not None:
        flash(f"The request for {row.reference} was already marked answered.")
        return redirect(url_for("searches.record_requests"))
    form = _answer_form(row.id, request.form)
    now = utcnow()
    moment = _answered_at(form, row.requested_at, now) if form.validate() else None
    if moment is None:
        db.session.rollback()
        return _render({row.id: form}, 400)
    row.answered_at, row.answered_by = moment, current_user.id
    row.answer_method, row.answer_note = form.method.data, (form.note.data or "").strip() or None
    audit.record(AuditAction.ALTER, RECORD_TYPE, row.id, f"record request marked answered ({form.method.data})")
    db.session.commit()
    flash(f"The request for {row.reference} is marked answered.")
    return redirect(url_for("searches.record_requests"))
