"""CSV exports: entries per type, the national stop-and-search format, postbox items."""

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")

from fieldapp.exports import routes  # noqa: E402,F401  (the routes register on bp)
