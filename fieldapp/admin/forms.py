"""Forms and helpers shared by the admin pages of every feature (Flask-WTF: every POST carries a CSRF token).

Forms check the shape of the input (present, a number, not too long); the
rules of the domain (unique username, coordinates in range...) live in each
feature's operations, which name the field at fault: ``add_error`` shows it.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form


class ConfirmForm(FlaskForm):
    """An action button (deactivate, revoke, retire...): just the CSRF token."""


def add_error(form: Form, field_name: str | None, message: str) -> None:
    """Show an operation's refusal next to the field it names, or at the top of the form."""
    field = getattr(form, field_name, None) if field_name else None
    if field is None:
        form.form_errors.append(message)
    else:
        field.errors = [*field.errors, message]
