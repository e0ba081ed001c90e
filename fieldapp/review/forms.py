"""The review pages' forms: queue filters (GET, no CSRF), the decision, and conflict resolution."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from fieldapp.periods import DayField, period_rules, read_period_fields
from fieldapp.reference import reference_lists
from fieldapp.review.operations import RETURN_NEEDS_COMMENT
from sync.fields import MAX_INT32
from sync.vocabulary import REVIEW_STATES



def _options(*pairs: tuple[str, str]) -> list:
    """Choices for a select or radio field."""
    return [SelectChoice(value, label) for value, label in pairs]


ANY = ("", "Any")
TYPES = _options(ANY, ("encounter", "Street encounter"), ("postbox_visit", "Postbox visit"),
                 ("postbox_item", "Postbox item"))
STATES = _options(ANY, *((state, state.capitalize()) for state in REVIEW_STATES))
YES_NO = _options(ANY, ("yes", "Yes"), ("no", "No"))
NEEDS = _options(ANY, ("overdue", "Overdue (waiting over 72 hours)"), ("conflicts", "A conflict to resolve"))
ORDERS = _options(("newest", "Newest first"), ("oldest", "Oldest first"))
#: The filters a sergeant rarely sets: on a narrow screen they fold away under 'More filters'.
LESS_USED = ("kind", "from", "to", "postbox", "topic", "urgency", "safeguarding")


def _choices(list_name: str, blank: tuple[str, str] | None = ANY) -> list:
    """A reference list as select choices (labels from the data file, never from code)."""
    items = [(item["value"], item["label"]) for item in reference_lists().lists[list_name]]
    return _options(*([blank, *items] if blank else items))


class QueueFilterForm(FlaskForm):
    """The queue's filters, read from the query string; every one optional and combinable."""

    class Meta:
        csrf = False  # a GET search changes nothing

    type = SelectField("Type", choices=TYPES, default="")
    kind = SelectField("Encounter kind", default="")
    officer = StringField("Officer (username)", validators=[Optional(), Length(max=64)],
                          filters=[lambda v: v.strip().lower() if v else v])
    state = SelectField("Review state", choices=STATES, default="")
    needs = SelectField("Needs", choices=NEEDS, default="")
    order = SelectField("Order", choices=ORDERS, default="newest")
    from_ = DayField("Happened from", name="from")
    to = DayField("Happened to")
    postbox = IntegerField("Postbox", validators=[Optional(), NumberRange(1, MAX_INT32, "Choose a postbox.")])
    topic = SelectField("Topic", default="")
    urgency = SelectField("Urgency", default="")
    safeguarding = SelectField("Safeguarding", choices=YES_NO, default="")
    q = StringField("Search text", validators=[Optional(), Length(max=200, message="Use at most 200 characters.")],
                    filters=[lambda v: v.strip() if v else v])

    def __init__(self, *args, **kwargs) -> None:
        """Fill the reference-list choices from the current data file."""
        super().__init__(*args, **kwargs)
        self.kind.choices = _choices("encounter_kinds")
        self.topic.choices = _choices("topics")
        self.urgency.choices = _choices("urgency")
        # The queue is read a page at a time: an open end is allowed, so no longest period either.
        self.from_.description = period_rules(max_years=None)

    def validate(self, extra_validators=None) -> bool:
        """Every field, then the period by the app's one period reader (range and order of the dates)."""
        fields_valid = super().validate(extra_validators)
        return read_period_fields(self.from_, self.to, max_years=None) and fields_valid

    def active(self) -> dict[str, str]:
        """The filters in use, as query-string pairs (for links and the audit detail)."""
        return {field.name: str(field.data) for field in self
                if field.data not in (None, "")}

    def more_in_use(self) -> bool:
        """Whether a less-used filter is set (its fold then opens on a narrow screen)."""
        return any(self[name if name != "from" else "from_"].data not in (None, "") for name in LESS_USED)


class DecisionForm(FlaskForm):
    """A supervisor's decision on the version shown; stop and search adds the grounds assessment, the footage
    viewed and notes on manner and communication."""

    decision = RadioField("Decision", validators=[DataRequired("Choose approve, return or flag.")])
    comment = TextAreaField("Comment", validators=[Length(max=4000, message="Use at most 4,000 characters.")],
                            filters=[lambda v: v.strip() if v else v])
    grounds_assessment = RadioField("Grounds for the search", validators=[Optional()])
    bwv_viewed = BooleanField("I have viewed the body-worn video")
    # What the footage shows of how the search was done: inspectors and panels ask about manner, not only grounds.
    manner_notes = TextAreaField("Manner and communication",
                                 validators=[Length(max=4000, message="Use at most 4,000 characters.")],
                                 filters=[lambda v: v.strip() if v else v])
    # The footage viewed (the page fills in the officer's reference; the supervisor may have watched another).
    footage_ref = StringField("Footage reference viewed",
                              validators=[Length(max=100, message="Use at most 100 characters.")],
                              filters=[lambda v: v.strip() if v else v])
    # The version the supervisor read: a decision never lands on a newer one unseen.
    entry_version = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        """Decision and assessment values and labels from the reference lists."""
        super().__init__(*args, **kwargs)
        self.decision.choices = _choices("review_decisions", blank=None)
        self.grounds_assessment.choices = _choices("grounds_assessments", blank=None)

    def validate_comment(self, field: TextAreaField) -> None:
        """Returning an entry without saying why leaves the officer guessing."""
        if self.decision.data == "returned" and not field.data:
            raise ValidationError(RETURN_NEEDS_COMMENT)


class ConflictForm(FlaskForm):
    """Resolve one conflict copy: make it the new version, or keep the current one."""

    action = SelectField("What to do", choices=_options(("resolve", "Make this the new version"),
                                                        ("dismiss", "Keep the current version")),
                         validators=[DataRequired()])
    # The version the page showed: a copy is never made the version after one the supervisor did not see.
    entry_version = HiddenField()
