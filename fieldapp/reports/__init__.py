"""Reports: the dashboard and the community forum report."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from fieldapp.reports import routes  # noqa: E402,F401  (the routes register on bp)
