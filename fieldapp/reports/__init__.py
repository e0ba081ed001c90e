"""Reports: the dashboard and the community forum report."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")
