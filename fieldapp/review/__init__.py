"""Supervisors' review: the queue of synced entries, one entry whole, decisions and conflict resolution."""

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")

from fieldapp.review import routes  # noqa: E402,F401  (registers the views on bp)
