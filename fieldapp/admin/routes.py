"""The admin index and the read-only page of reference lists (the teams' page is fieldapp.admin.teams)."""

from __future__ import annotations

from flask import current_app, render_template

from fieldapp.admin.blueprint import bp
from fieldapp.access import role_required
from fieldapp.models import Role
from fieldapp.reference import REFERENCE_FILE, reference_lists


@bp.get("")
@role_required(Role.ADMIN)
def index():
    """What an admin can manage."""
    return render_template("admin/index.html")


@bp.get("/reference")
@role_required(Role.ADMIN)
def reference():
    """Each list's values and labels as the app uses them now, and where to edit them."""
    lists = reference_lists()
    return render_template("admin/reference.html", lists=lists, path=current_app.config.get("REFERENCE_FILE", REFERENCE_FILE))


from fieldapp.admin import teams  # noqa: E402,F401  (its routes)
