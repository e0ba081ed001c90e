"""The public's form on /receipt (Flask-WTF: CSRF protected like every form of the app).

It checks only the shape of the input: a reference that is there and not absurdly long, a
contact that is there and fits. Whether the reference is a real one is never checked here:
the answer must be the same for a known reference and an unknown one.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

#: How the requester may prefer to be contacted: (value, label). Blank: no preference.
CONTACT_PREFERENCES = (("email", "Email"), ("phone", "Phone"), ("post", "Post"))
REFERENCE_MAX = 40
CONTACT_MAX = 500


class RecordRequestForm(FlaskForm):
    """The receipt's reference and a way to reach the person who asks."""

    reference = StringField("Receipt reference", validators=[
        DataRequired("Enter the reference printed on your receipt."),
        Length(max=REFERENCE_MAX, message=f"A reference is at most {REFERENCE_MAX} characters.")])
    contact = TextAreaField("How can we contact you?", validators=[
        DataRequired("Enter an email address, a phone number or a postal address."),
        Length(max=CONTACT_MAX, message=f"Please keep this to {CONTACT_MAX} characters or fewer.")])
    preference = RadioField("How would you prefer us to contact you? (optional)",
                            choices=[SelectChoice(v, label) for v, label in (("", "No preference"), *CONTACT_PREFERENCES)], default="",
                            validators=[Optional()])
