"""The audit log's pages: search and export (admins only)."""

from flask import Blueprint

bp = Blueprint("audit_log", __name__, url_prefix="/audit")

from fieldapp.audit_log import routes  # noqa: E402,F401  (registers the routes on bp)
