"""The officer app: the installable PWA shell at /app, its manifest and service worker."""

from flask import Blueprint

bp = Blueprint("officer", __name__)
from fieldapp.officer import routes  # noqa: E402,F401  (registers the views)
