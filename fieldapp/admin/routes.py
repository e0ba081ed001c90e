"""The admin index and the read-only page of reference lists."""

from __future__ import annotations

from flask import render_template
from wtforms import Form

from fieldapp.admin import bp
from fieldapp.auth.permissions import role_required
from fieldapp.models import Role
from fieldapp.reference import REFERENCE_FILE, reference_lists


def add_error(form: Form, field_name: str | None, message: str) -> None:
    """Show an operation's refusal next to the field it names, or at the top of the form."""
    field = getattr(form, field_name, None) if field_name else None
    if field is None:
        form.form_errors.append(message)
    else:
        field.errors = [*field.errors, message]


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
    return render_template("admin/reference.html", lists=lists, path=REFERENCE_FILE)
