"""The audit log's pages: search (itself logged as a consultation) and the CSV export (a disclosure).

Nothing here, nor anywhere else, updates or deletes an audit event: the
pages only read, and the only writes are new events through ``audit.record``.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, render_template, request
from flask_login import current_user

from fieldapp.audit import operations as audit
from fieldapp.audit.commands import VERIFIED
from fieldapp.audit.forms import AuditSearchForm
from fieldapp.audit.queries import EVENT_ORDER, AuditFilters, actor_id_for, batches, page
from fieldapp.audit.records import Viewer, record_links
from fieldapp.access import role_required
from fieldapp.exports.csv_files import cell, csv_chunks, download
from fieldapp.extensions import db
from fieldapp.models import AuditAction, Role
from fieldapp.models.types import utcnow
from fieldapp.paging import cursor_arg

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")

PAGE_SIZE = 50
CSV_COLUMNS = ["id", "at_utc", "actor_username", "actor_id", "action", "record_type", "record_id",
               "device_id", "remote_addr", "detail"]


def _filters(form: AuditSearchForm) -> AuditFilters | None:
    """The form's filters, or None (with a message on the form) when they cannot match anything sensible."""
    if not form.validate():
        return None
    actor = (form.actor.data or "").strip()
    actor_id = None
    if actor:
        actor_id = actor_id_for(actor)
        if actor_id is None:
            form.actor.errors = [*form.actor.errors, f"There is no user called {actor!r}."]
            return None
    return AuditFilters(
        actor_id=actor_id,
        actor=actor.lower() or None,
        record_type=form.record_type.data or None,
        record_id=(form.record_id.data or "").strip() or None,
        action=form.action.data or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


def _search_args() -> dict[str, str]:
    """The filters of this request, to carry into the next-page and export links."""
    names = ("actor", "record_type", "record_id", "action", "date_from", "date_to")
    return {name: request.args[name] for name in names if request.args.get(name)}


def _chain() -> dict[str, object]:
    """The chain's head and the last verification, for the top of the page."""
    last = audit.last_verification()
    result = last.detail.removeprefix(VERIFIED) if last is not None and last.detail else None
    return {"head": audit.chain_head(db.session.connection()), "verified_at": last.at if last else None,
            "result": result, "broken": result is not None and not result.startswith("intact")}


def _refused(form: AuditSearchForm):
    """The search page with the form's errors and no results (400)."""
    return render_template("audit/search.html", form=form, rows=[], links={}, next_cursor=None,
                           args=_search_args(), searched=False, chain=_chain()), 400


@bp.get("")
@role_required(Role.ADMIN)
def search():
    """Search the audit log, newest first, a page at a time, each record linked where the viewer may open it;
    the search itself is logged."""
    form = AuditSearchForm(request.args)
    filters = _filters(form)
    if filters is None:
        return _refused(form)
    rows, next_cursor = page(filters, cursor_arg("before", EVENT_ORDER), PAGE_SIZE)
    links = record_links(rows, Viewer(current_user.role, current_user.id, current_user.team_id))
    audit.record(AuditAction.CONSULT, "audit_log", None, f"audit log searched; filters: {filters.describe()}")
    db.session.commit()
    return render_template("audit/search.html", form=form, rows=rows, links=links, args=_search_args(),
                           searched=True, next_cursor=next_cursor, chain=_chain())


def _csv_rows(filters: AuditFilters) -> Iterator[list[str]]:
    """One CSV row per matching event, its time in UTC (``at_utc``); text that looks like a formula made inert."""
    for rows in batches(filters):
        for row in rows:
            yield [cell(value) for value in (
                row.id, row.at.isoformat(), row.actor_username, row.actor_id, row.action, row.record_type,
                row.record_id, row.device_id, row.remote_addr, row.detail)]


@bp.get("/export.csv")
@role_required(Role.ADMIN)
def export():
    """The matching events as CSV, streamed; the disclosure is logged and committed before the first byte."""
    form = AuditSearchForm(request.args)
    filters = _filters(form)
    if filters is None:
        return _refused(form)
    audit.record(AuditAction.DISCLOSE, "audit_log", None,
                 f"audit log exported as CSV; recipient: {current_user.username} (the downloading user); "
                 f"filters: {filters.describe()}")
    db.session.commit()
    filename = f"audit-log-{utcnow().strftime('%Y%m%dT%H%M%SZ')}.csv"
    return download(csv_chunks(CSV_COLUMNS, _csv_rows(filters)), filename)
