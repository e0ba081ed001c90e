"""Administration: users, devices, postboxes and the reference lists (admins only)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from fieldapp.admin import postboxes, routes, users  # noqa: E402,F401  (registers the routes on bp)
