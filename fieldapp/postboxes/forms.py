"""The postbox admin pages' forms: a new postbox and a move (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FloatField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import TextInput


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
