"""The dashboard, the stop and search figures and the community forum report: supervisors (their team)
and admins (any team). The population behind disproportionality has its page in
:mod:`fieldapp.reports.population`, on this blueprint.

Both join many records into figures, so each showing is audited as a
combination (DPA 2018 s62).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from fieldapp.audit import operations as audit
from fieldapp.access import role_required
from fieldapp.errors import json_error, wants_json
from fieldapp.extensions import db
from fieldapp.models import AuditAction, Role, Team
from fieldapp.models.types import utcnow
from fieldapp.periods import FilterError, Period, parse_period, period_rules
from fieldapp.reports import charts, figures, search_figures

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")

DEFAULT_DAYS = 12 * 7


def _choices() -> tuple[Period, int | None, dict[str, str]]:
    """The period and team asked for, with errors by field (then a default period is used)."""
    errors: dict[str, str] = {}
    try:
        period = parse_period(request.args, default_days=DEFAULT_DAYS)
    except FilterError as exc:
        errors.update(exc.errors)
        period = parse_period({}, default_days=DEFAULT_DAYS)
    if current_user.role != Role.ADMIN:
        return period, current_user.team_id, errors  # supervisors see their own team only
    raw = (request.args.get("team") or "").strip()
    if not raw:
        return period, None, errors
    if raw.isascii() and raw.isdigit() and len(raw) < 10 and db.session.get(Team, int(raw)) is not None:
        return period, int(raw), errors
    errors["team"] = "Choose a team from the list."
    return period, None, errors


def _teams() -> list[Team]:
    """The teams an admin can choose from."""
    return list(db.session.scalars(select(Team).order_by(Team.name))) if current_user.role == Role.ADMIN else []


def _team_name(team_id: int | None) -> str:
    """The team's name for the page heading."""
    if team_id is None:
        return "All teams"
    team = db.session.get(Team, team_id)
    return team.name if team else "Unknown team"


def _audit(report: str, period: Period, team_id: int | None) -> None:
    """Log the report as a combination of records, then commit."""
    audit.record(AuditAction.COMBINE, "report", report,
                 f"period={period.describe()}; team={'all' if team_id is None else team_id}",
                 actor_id=current_user.id)
    db.session.commit()


def _report(template: str, name: str, build: Callable[[Period, int | None], tuple[dict, dict]]):
    """A report page: the period and team asked for (400 with the errors), logged, with its figures and charts."""
    period, team_id, errors = _choices()
    if errors:
        if wants_json():
            return json_error(400, "invalid_request", "Some filters are wrong: nothing was counted.", errors)
        return render_template(template, errors=errors, period=period, team_id=team_id, rules=period_rules(),
                               teams=_teams(), args=request.args, figures=None), 400
    data, chart = build(period, team_id)
    _audit(name, period, team_id)
    return render_template(template, errors={}, period=period, team_id=team_id, rules=period_rules(),
                           team_name=_team_name(team_id), teams=_teams(), args=request.args,
                           figures=data, chart=chart)


def _dashboard(period: Period, team_id: int | None) -> tuple[dict, dict]:
    data = figures.dashboard(period, team_id, utcnow())
    kinds, topics = data["kinds"], data["topics"]
    week_labels = [week.isoformat() for week in kinds.weeks]
    return data, {
        "kinds": charts.stacked_columns("Street encounters per week, by kind", week_labels, kinds.series, "kinds"),
        "topics": charts.stacked_columns("Residents' concerns per week, by topic", week_labels, topics.series,
                                         "topics"),
        "outcomes": charts.bar_chart("Stop and search outcomes", data["outcomes"].rows, "outcomes"),
        "linked": charts.bar_chart("Outcome linked to the object of search", data["linked"].rows, "linked"),
        "ethnicity": charts.bar_chart("Stop and search by self-defined ethnicity", data["ethnicity"].rows,
                                      "ethnicity"),
        "backlog": charts.bar_chart("Review backlog", data["backlog"].rows, "backlog"),
    }


def _forum(period: Period, team_id: int | None) -> tuple[dict, dict]:
    data = figures.forum(period, team_id)
    return data, {
        "topics": charts.bar_chart("Residents' concerns by topic", data["topics"].rows, "forum-topics"),
        "areas": charts.bar_chart("Residents' concerns by street or area", data["areas"].rows, "forum-areas"),
    }


def _searches(period: Period, team_id: int | None) -> tuple[dict, dict]:
    return {"search": search_figures.figures_for(period, team_id),
            "officers": search_figures.assessments_by_officer(period, team_id)}, {}


@bp.get("")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def dashboard():
    """Weekly activity, stop-and-search outcomes and ethnicity, and the review backlog."""
    return _report("reports/dashboard.html", "dashboard", _dashboard)


@bp.get("/searches")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def searches():
    """Stop and search by ethnicity, age and legislation, drugs, disproportionality, and grounds by officer."""
    return _report("reports/searches.html", "searches", _searches)


@bp.get("/forum")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def forum():
    """The printable community forum report: counts and categories, no personal data."""
    return _report("reports/forum.html", "forum", _forum)


# The population page's routes are on this blueprint (imported last: it imports ``bp``).
from fieldapp.reports import population  # noqa: E402,F401
