"""Admin forms (Flask-WTF: every POST carries a CSRF token).

Forms check the shape of the input (present, a number, not too long); the
rules of the domain (unique username, coordinates in range...) live in the
operations, which name the field at fault.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FloatField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from fieldapp.models import Role


class ConfirmForm(FlaskForm):
    """An action button (deactivate, revoke, retire...): just the CSRF token."""


class CoordinateField(FloatField):
    """A decimal number, optional, with a message people understand when it is not one.

    A text input, not type=number: some phone keyboards for numbers have no minus sign.
    """

    widget = TextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        """Blank is no value; anything else must parse as a number."""
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = float(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError("Enter a decimal number, like 51.7290.") from None
        if self.data != self.data or self.data in (float("inf"), float("-inf")):  # NaN and infinity parse too
            self.data = None
            raise ValueError("Enter a decimal number, like 51.7290.")


ROLE_CHOICES = [
    SelectChoice(Role.OFFICER.value, "Officer or PCSO"),
    SelectChoice(Role.SUPERVISOR.value, "Supervisor"),
    SelectChoice(Role.ADMIN.value, "Admin"),
]


class UserForm(FlaskForm):
    """A new user: who they are, their role and team, and a password typed or generated."""

    username = StringField("Username", validators=[DataRequired("Enter a username."), Length(max=64)])
    display_name = StringField("Display name", validators=[DataRequired("Enter the name to show."),
                                                          Length(max=200)])
    shoulder_number = StringField("Shoulder number (optional)", validators=[Optional(), Length(max=20)])
    role = SelectField("Role", choices=ROLE_CHOICES, invalid_choice_message="Choose a role from the list.")
    team = SelectField("Team", coerce=str, validate_choice=False)
    new_team = StringField("Or a new team's name", validators=[Optional(), Length(max=200)])
    password = PasswordField("Password (leave blank to generate one)", validators=[Optional(), Length(max=1024)])

    def validate(self, extra_validators=None) -> bool:
        """Exactly one of an existing team and a new team's name."""
        ok = super().validate(extra_validators)
        chosen = (self.team.data or "").strip()
        new = (self.new_team.data or "").strip()
        if chosen and new:
            self.new_team.errors.append("Choose an existing team or type a new one, not both.")
            return False
        if not chosen and not new:
            self.team.errors.append("Choose a team, or type a new team's name.")
            return False
        if chosen and chosen not in {choice.value for choice in self.team.choices}:  # type: ignore[union-attr]
            self.team.errors.append("Choose a team from the list.")
            return False
        return ok


class UserEditForm(FlaskForm):
    """An existing user's name, shoulder number, role and team (the username never changes)."""

    display_name = StringField("Display name", validators=[DataRequired("Enter the name to show."),
                                                          Length(max=200)])
    shoulder_number = StringField("Shoulder number (optional)", validators=[Optional(), Length(max=20)])
    role = SelectField("Role", choices=ROLE_CHOICES, invalid_choice_message="Choose a role from the list.")
    team = SelectField("Team", coerce=str, invalid_choice_message="Choose a team from the list.")


class SiteFields(FlaskForm):
    """Where a postbox stands: the fields of a placement."""

    site_name = StringField("Site name", validators=[DataRequired("Enter the site's name."), Length(max=200)])
    site_type = SelectField("Site type", validate_choice=False)
    address = TextAreaField("Address", validators=[DataRequired("Enter the site's address."), Length(max=1000)])
    latitude = CoordinateField("Latitude (optional)")
    longitude = CoordinateField("Longitude (optional)")


class PostboxForm(SiteFields):
    """A new postbox: its label and team, and where it first stands."""

    label = StringField("Label", validators=[DataRequired("Enter a label, like PB-05."), Length(max=100)])
    team_id = SelectField("Team", coerce=int, validate_choice=False)

    def validate_team_id(self, field) -> None:
        """The team must be one offered (an int coerced from the list)."""
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Choose a team from the list.")


class MoveForm(SiteFields):
    """Move a postbox: the new site."""
