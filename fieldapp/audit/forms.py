"""The audit log's search form: a GET form (no CSRF token: it changes nothing)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from fieldapp.models import AuditAction
from fieldapp.periods import DayField, period_rules, read_period_fields


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
    date_from = DayField("From (UTC day)")
    date_to = DayField("To (UTC day, inclusive)")

    def __init__(self, *args, **kwargs) -> None:
        """The dates' rules as their hint (they depend on today)."""
        super().__init__(*args, **kwargs)
        self.date_from.description = period_rules(max_years=None)

    def validate(self, extra_validators=None) -> bool:
        """Every field, then the dates by the app's one period reader (range and order).

        The log is searched a page at a time and exported in batches, so an open
        end is allowed and no period is too long.
        """
        fields_valid = super().validate(extra_validators)
        return read_period_fields(self.date_from, self.date_to, max_years=None) and fields_valid
