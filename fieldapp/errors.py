"""Error pages for people and JSON errors for the API, with one shape for the whole API."""

from __future__ import annotations

from flask import Flask, abort, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from fieldapp.extensions import db


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

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        # Leave the session clean for the next request; log the traceback.
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        if wants_json():
            return json_error(500, "server_error", "Something went wrong on the server. Nothing was changed; try again.")
        return render_template("errors/error.html", code=500, title="Something went wrong",
                               message="Something went wrong on the server. Please try again."), 500
