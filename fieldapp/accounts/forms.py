"""The accounts forms: signing in and out, changing one's password, and the admin pages' user forms (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from fieldapp.models import ROLE_LABELS, ROLES


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField("Username", validators=[DataRequired("Enter your username."), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=1024)])


class ChangePasswordForm(FlaskForm):
    """The current password, and the new one twice (the same rules as every password: see operations)."""

    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password."),
                                                                     Length(max=1024)])
    new_password = PasswordField("New password", validators=[DataRequired("Enter a new password."),
                                                             Length(max=1024)])
    new_password_again = PasswordField("New password again", validators=[
        DataRequired("Enter the new password again."), Length(max=1024),
        EqualTo("new_password", "The two new passwords are not the same.")])


class LogoutForm(FlaskForm):
    """An empty form: sign-out is a POST with a CSRF token, never a link."""


ROLE_CHOICES = [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]


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


