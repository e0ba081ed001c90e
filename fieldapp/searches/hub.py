"""/searches: where a supervisor's stop and search work starts, with what is waiting on each page."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from fieldapp.access import role_required
from fieldapp.extensions import db
from fieldapp.models import DipSample, RecordRequest, Role, Section60Authorisation
from fieldapp.models.types import utcnow
from fieldapp.searches import bp
from fieldapp.searches.dip import previous_month, this_month
from fieldapp.searches.requests import visible as visible_requests


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


@bp.get("")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def index():
    """Links to each part, with the counts that say whether it needs anyone (no personal data)."""
    now = utcnow()
    open_requests = select(RecordRequest.id).where(visible_requests(), RecordRequest.answered_at.is_(None))
    in_force = select(Section60Authorisation.id).where(Section60Authorisation.starts_at <= now,
                                                       Section60Authorisation.ends_at > now)
    samples = select(DipSample.id).where(DipSample.month == previous_month(this_month()))  # UK months
    if current_user.role != Role.ADMIN:
        in_force = in_force.where(Section60Authorisation.team_id == current_user.team_id)
        samples = samples.where(DipSample.team_id == current_user.team_id)
    counts = {
        "open_requests": _count(open_requests),
        "overdue_requests": _count(open_requests.where(RecordRequest.due_at < now)),
        "in_force": _count(in_force),
        "recent_samples": _count(samples),
    }
    return render_template("searches/index.html", counts=counts)
