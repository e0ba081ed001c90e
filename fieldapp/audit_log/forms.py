"""The audit log's search form: a GET form (no CSRF token: it changes nothing)."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from fieldapp.models import AuditAction


class DayField(DateField):
    """A YYYY-MM-DD day, optional, with a message people understand when it is not one."""

    def process_formdata(self, valuelist: list[str]) -> None:
        """Blank is no value; anything else must be a real day."""
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = date.fromisoformat(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError("Enter a date as YYYY-MM-DD, like 2026-03-01.") from None


ACTION_CHOICES = [SelectChoice("", "Any action")] + [SelectChoice(action.value, action.value.capitalize())
                                                    for action in AuditAction]


class AuditSearchForm(FlaskForm):
    """Who, what record, which action, and when (UTC days)."""

    class Meta:
        csrf = False

    actor = StringField("Actor (username)", validators=[Optional(), Length(max=64)])
    record_type = StringField("Record type", validators=[Optional(), Length(max=40)])
    record_id = StringField("Record id", validators=[Optional(), Length(max=64)])
    action = SelectField("Action", choices=ACTION_CHOICES, default="",
                         invalid_choice_message="Choose an action from the list.")
    date_from = DayField("From (UTC day)", validators=[Optional()])
    date_to = DayField("To (UTC day, inclusive)", validators=[Optional()])

    def validate_date_to(self, field) -> None:
        """The range must not end before it starts."""
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The 'to' date is before the 'from' date.")
