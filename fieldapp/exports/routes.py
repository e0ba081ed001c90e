"""Export pages and CSV downloads: supervisors (their team) and admins (everything).

Every download is audited as a disclosure to the user who downloads it
before the first byte is sent, then streamed a chunk at a time.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from fieldapp.audit import operations as audit
from fieldapp.access import role_required
from fieldapp.exports.csv_files import download, entry_csv, entry_statement, national_csv, national_statement
from fieldapp.exports.filters import entry_filters
from fieldapp.extensions import db
from fieldapp.models import AuditAction, ReviewState, Role
from fieldapp.periods import FilterError, parse_period
from fieldapp.reference import reference_lists
from fieldapp.access import visible_entries, visible_postboxes

bp = Blueprint("exports", __name__, url_prefix="/exports", template_folder="templates")

ENTRY_TYPES = {"encounter": "Street encounters", "postbox_visit": "Postbox visits",
               "postbox_item": "Postbox items (residents' cards)"}


def _scope():
    """The entries the signed-in user may export."""
    return visible_entries(current_user.role, current_user.id, current_user.team_id)


def _scope_name() -> str:
    """What the user may export, for the audit detail."""
    return "all teams" if current_user.role == Role.ADMIN else f"team {current_user.team_id}"


def _page(form: str | None = None, errors: dict[str, str] | None = None, status: int = 200):
    """The exports page; ``errors`` are shown next to the fields of ``form``."""
    lists = reference_lists()
    options = {name: [(item["value"], item["label"]) for item in lists.lists[list_name]]
               for name, list_name in (("kind", "encounter_kinds"), ("topic", "topics"), ("urgency", "urgency"))}
    options["state"] = [(str(state), str(state).capitalize()) for state in ReviewState]
    options["postbox"] = [(str(box.id), box.label)
                          for box in visible_postboxes(current_user.role, current_user.team_id)]
    options["safeguarding"] = [("yes", "Yes"), ("no", "No")]
    return render_template("exports/index.html", options=options, entry_types=ENTRY_TYPES,
                           failed_form=form, errors=errors or {}, args=request.args), status


@bp.get("")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def index():
    """The list of exports, each with its filters."""
    return _page()


@bp.get("/stop-search.csv")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def stop_search():
    """Stop and search in the national open-data format, for the dates asked."""
    try:
        period = parse_period(request.args, required=True)
    except FilterError as exc:
        return _page("stop-search", exc.errors, 400)
    audit.record(AuditAction.DISCLOSE, "export:stop-search", None,
                 f"to {current_user.username}; national format; period={period.describe()}; {_scope_name()}",
                 actor_id=current_user.id)
    db.session.commit()  # logged before the first byte leaves
    return download(national_csv(national_statement(period, _scope())),
                     f"stop-search_{period.first}_{period.last}.csv")


@bp.get("/<any(encounter, postbox_visit, postbox_item):entry_type>.csv")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def entries(entry_type: str):
    """Every column of one type of entry, with the review queue's filters."""
    try:
        filters = entry_filters(entry_type, request.args)
    except FilterError as exc:
        return _page(entry_type, exc.errors, 400)
    header, statement = entry_statement(entry_type, [_scope(), *filters.clauses])
    audit.record(AuditAction.DISCLOSE, f"export:{entry_type}", None,
                 f"to {current_user.username}; {filters.describe()}; {_scope_name()}", actor_id=current_user.id)
    db.session.commit()
    return download(entry_csv(header, statement), f"{entry_type.replace('_', '-')}s.csv")
