"""Error pages for people and JSON errors for the API, with one shape for the whole API.

A database connection lost in the middle of a request (a restarted or
failed-over PostgreSQL, a terminated backend) is answered by the app too,
never by the server's bare 'Internal Server Error': pooled connections are
checked before use (``pool_pre_ping``); a request that lost its connection
before anything of it was committed, and whose input can be given to the
view again, is run once more on a fresh connection; otherwise it answers 503
with ``Retry-After`` (a phone's retry is safe: pushes are idempotent). A
connection that dies while the request's session is being closed, after the
response is made, costs nothing but a line in the log.
"""

from __future__ import annotations

from flask import Flask, abort, current_app, g, has_request_context, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction

#: Keys in the WSGI environ: a commit was attempted; the request was run again; its body as read.
COMMITTED = "fieldapp.committed"
RETRIED = "fieldapp.retried"
BODY = "fieldapp.body"
RETRY_AFTER_SECONDS = 5
CONNECTION_LOST = "The connection to the database was lost. Nothing you sent was stored twice; try again."


def wants_json() -> bool:
    """API clients get JSON; people get a page."""
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def json_error(status: int, code: str, message: str, errors: dict[str, str] | None = None, **extra):
    """The API's one error shape: ``{"error", "message", "errors"?}``."""
    body = {"error": code, "message": message, **extra}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


NUL_REFUSED = "Text may not contain the NUL character."


def read_once(limit: int) -> bytes:
    """Up to ``limit`` bytes of the request body, kept so that a retried request reads the same."""
    if BODY not in request.environ:
        request.environ[BODY] = request.stream.read(limit)
    return request.environ[BODY]


@event.listens_for(Engine, "commit")
def _note_commit(conn) -> None:
    """Remember that this request tried to commit: from then on it is never run again."""
    if has_request_context():
        request.environ[COMMITTED] = True


def _can_run_again() -> bool:
    """Nothing of the request was committed, and its view would read the same input again."""
    if request.environ.get(COMMITTED) or request.environ.get(RETRIED):
        return False
    has_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    return not has_body or BODY in request.environ or "form" in vars(request)


def discard_session() -> None:
    """End the request's session whatever state its connection is in (a dead one is invalidated)."""
    try:
        db.session.remove()
    except SQLAlchemyError:
        try:
            db.session.invalidate()
        except SQLAlchemyError:
            pass
        db.session.registry.clear()


def log_denied() -> None:
    """Audit a refusal (403): who asked, from where, for which method and path (never the query string,
    which may hold search text). Committed on its own; a failure to log is logged, not shown."""
    try:
        db.session.rollback()  # nothing of the refused request is kept
        principal = g.get("principal")
        user_id = principal.user_id if principal is not None else (
            current_user.id if current_user and current_user.is_authenticated else None)
        audit.record(AuditAction.CONSULT, "user", user_id, f"access denied: {request.method} {request.path}")
        db.session.commit()
    except SQLAlchemyError:
        discard_session()
        current_app.logger.warning("A refused request (403) could not be written to the audit log.")


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.before_request
    def refuse_nul_characters():
        # No database keeps NUL in text (PostgreSQL refuses it outright): refuse it at the door.
        values = list(request.args.items(multi=True))
        if request.method == "POST" and request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
            values += list(request.form.items(multi=True))
        if any("\x00" in key or "\x00" in value for key, value in values):
            abort(400, NUL_REFUSED)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if wants_json():
            return json_error(400, "csrf_failed", error.description)
        return render_template("errors/error.html", code=400, title="Form expired",
                               message="This form had expired or was sent from elsewhere. Go back, reload the page and try again."), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 403:
            log_denied()
        if wants_json():
            code = (error.name or "error").lower().replace(" ", "_")
            response, status = json_error(error.code or 500, code, error.description or error.name)
        else:
            response = app.make_response(render_template("errors/error.html", code=error.code, title=error.name,
                                                          message=error.description))
            status = error.code
        # Keep what the exception says about itself, e.g. Allow on a 405.
        for name, value in error.get_headers():
            if name.lower() not in {"content-type", "content-length"}:
                response.headers[name] = value
        return response, status

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        if not error.connection_invalidated:
            return unexpected_error(error)
        discard_session()
        if _can_run_again():
            app.logger.warning("%s %s lost its database connection before committing; running it again.",
                               request.method, request.path)
            request.environ[RETRIED] = True
            g.pop("_login_user", None)  # loaded through the lost connection
            try:
                response = app.preprocess_request()
                return response if response is not None else app.dispatch_request()
            except Exception as again:  # noqa: BLE001 - answered by the handlers, as the first try was
                return app.handle_user_exception(again)
        app.logger.warning("%s %s lost its database connection: %s", request.method, request.path, error.orig)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if wants_json():
            response, status = json_error(503, "database_unavailable", CONNECTION_LOST)
            response.headers.update(headers)
            return response, status
        return render_template("errors/error.html", code=503, title="Please try again",
                               message=CONNECTION_LOST), 503, headers

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        # Leave the session clean for the next request; log the traceback.
        try:
            db.session.rollback()
        except SQLAlchemyError:
            discard_session()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return json_error(500, "server_error", "Something went wrong on the server. Nothing was changed; try again.")
        return render_template("errors/error.html", code=500, title="Something went wrong",
                               message="Something went wrong on the server. Please try again."), 500

    @app.teardown_appcontext
    def end_session(_error) -> None:
        # Registered after Flask-SQLAlchemy's, so it runs first: a connection that died
        # after the response was made must not turn that response into a server error.
        try:
            db.session.remove()
        except SQLAlchemyError as exc:
            app.logger.warning("The database connection was lost as the request ended: %s", exc)
            discard_session()
