"""The audit log's pages: search (itself logged as a consultation) and the CSV export (a disclosure).

Nothing here, nor anywhere else, updates or deletes an audit event: the
pages only read, and the only writes are new events through ``audit.record``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from fieldapp import audit
from fieldapp.admin.paging import BadCursor, decode_cursor, encode_cursor
from fieldapp.audit_log import bp
from fieldapp.audit_log.forms import AuditSearchForm
from fieldapp.audit_log.search import AuditFilters, actor_id_for, batches, page
from fieldapp.auth.permissions import role_required
from fieldapp.extensions import db
from fieldapp.models import AuditAction, Role
from fieldapp.models.types import utcnow

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
        record_type=(form.record_type.data or "").strip() or None,
        record_id=(form.record_id.data or "").strip() or None,
        action=form.action.data or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


def _search_args() -> dict[str, str]:
    """The filters of this request, to carry into the next-page and export links."""
    names = ("actor", "record_type", "record_id", "action", "date_from", "date_to")
    return {name: request.args[name] for name in names if request.args.get(name)}


@bp.get("")
@role_required(Role.ADMIN)
def search():
    """Search the audit log, newest first, a page at a time; the search itself is logged."""
    form = AuditSearchForm(request.args)
    filters = _filters(form)
    if filters is None:
        return render_template("audit_log/search.html", form=form, rows=[], next_cursor=None,
                               args=_search_args(), searched=False), 400
    before_id = None
    if request.args.get("before"):
        try:
            before_id = decode_cursor(request.args["before"], int)
        except BadCursor as error:
            abort(400, description=str(error))
    rows, next_id = page(filters, before_id, PAGE_SIZE)  # type: ignore[arg-type]
    audit.record(AuditAction.CONSULT, "audit_log", None, f"audit log searched; filters: {filters.describe()}")
    db.session.commit()
    return render_template("audit_log/search.html", form=form, rows=rows, args=_search_args(), searched=True,
                           next_cursor=encode_cursor(next_id) if next_id is not None else None)


def _csv_cell(value: object) -> object:
    """A value safe to open in a spreadsheet: text that looks like a formula is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_rows(filters: AuditFilters) -> Iterator[str]:
    """The CSV text, a header then one chunk per batch of events."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for rows in batches(filters):
        buffer.seek(0)
        buffer.truncate()
        for row in rows:
            writer.writerow([_csv_cell(value) for value in (
                row.id, row.at.isoformat(), row.actor_username or "", row.actor_id, row.action, row.record_type,
                row.record_id, row.device_id, row.remote_addr, row.detail)])
        yield buffer.getvalue()


@bp.get("/export.csv")
@role_required(Role.ADMIN)
def export():
    """The matching events as CSV, streamed; the disclosure is logged and committed before the first byte."""
    form = AuditSearchForm(request.args)
    filters = _filters(form)
    if filters is None:
        return render_template("audit_log/search.html", form=form, rows=[], next_cursor=None,
                               args=_search_args(), searched=False), 400
    audit.record(AuditAction.DISCLOSE, "audit_log", None,
                 f"audit log exported as CSV; recipient: {current_user.username} (the downloading user); "
                 f"filters: {filters.describe()}")
    db.session.commit()
    filename = f"audit-log-{utcnow().strftime('%Y%m%dT%H%M%SZ')}.csv"
    response = Response(stream_with_context(_csv_rows(filters)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
