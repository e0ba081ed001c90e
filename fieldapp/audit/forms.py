"""The audit log's search form: a GET form (no CSRF token: it changes nothing)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from fieldapp.audit.records import RECORD_TYPES
from fieldapp.models import AuditAction
from fieldapp.periods import DayField, period_rules, read_period_fields


ACTION_CHOICES = [SelectChoice("", "Any action")] + [SelectChoice(action.value, action.value.capitalize())
                                                    for action in AuditAction]
RECORD_TYPE_CHOICES = [SelectChoice("", "Any record type")] + [SelectChoice(value, label)
                                                              for value, label in RECORD_TYPES]


class AuditSearchForm(FlaskForm):
    """Who, what record, which action, and when (days on UK time, like every other page's filters)."""

    class Meta:
        csrf = False

    actor = StringField("Actor (username)", validators=[Optional(), Length(max=64)])
    record_type = SelectField("Record type", choices=RECORD_TYPE_CHOICES, default="",
                              invalid_choice_message="Choose a record type from the list.")
    record_id = StringField("Record id", validators=[Optional(), Length(max=64)])
    action = SelectField("Action", choices=ACTION_CHOICES, default="",
                         invalid_choice_message="Choose an action from the list.")
    date_from = DayField("From (day)")
    date_to = DayField("To (day, inclusive)")

    def __init__(self, *args, **kwargs) -> None:
        """The dates' rules as their hint (they depend on today), saying whose clock the days are on."""
        super().__init__(*args, **kwargs)
        self.date_from.description = "Whole days on UK time, like the times shown. " + period_rules(max_years=None)

    def validate(self, extra_validators=None) -> bool:
        """Every field, then the dates by the app's one period reader (range and order).

        The log is searched a page at a time and exported in batches, so an open
        end is allowed and no period is too long.
        """
        fields_valid = super().validate(extra_validators)
        return read_period_fields(self.date_from, self.date_to, max_years=None) and fields_valid
