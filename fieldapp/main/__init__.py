"""The home page and the health check."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from fieldapp.main import routes  # noqa: E402,F401  (registers the views)
