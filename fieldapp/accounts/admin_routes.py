"""Admin pages for users and their devices: list, create, deactivate, reset a password, revoke, mark lost."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice
from wtforms.validators import DataRequired

from fieldapp.accounts import operations as accounts
from fieldapp.accounts.operations import AccountError
from fieldapp.accounts.forms import UserEditForm, UserForm
from fieldapp.admin.forms import ConfirmForm, add_error
from fieldapp.access import role_required
from fieldapp.extensions import db
from fieldapp.models import Device, Role, Team, User
from fieldapp.paging import Keyset, cursor_arg, keyset_page

bp = Blueprint("users", __name__, url_prefix="/admin", template_folder="templates")

PAGE_SIZE = 100
#: The users page's order: by the unique username.
USER_ORDER = Keyset("u1", (User.username,), (str,))


def _password_page(user: User, password: str, reason: str, revoked: int = 0):
    """The one page that shows a password: never cached, never kept anywhere else."""
    response = make_response(render_template("accounts/password.html", user=user, password=password, reason=reason,
                                              revoked=revoked))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.get("/users")
@role_required(Role.ADMIN)
def users():
    """Every user, by username, a page at a time (keyset on the unique username)."""
    query = (
        select(User.id, User.username, User.display_name, User.shoulder_number, User.role, User.active,
               Team.name.label("team"))
        .join(Team, User.team_id == Team.id)
    )
    rows, next_cursor = keyset_page(query, USER_ORDER, PAGE_SIZE, cursor_arg("after", USER_ORDER))
    return render_template("accounts/users.html", rows=rows, next_cursor=next_cursor)


def _team_choices() -> list[SelectChoice]:
    """The current teams, by name, for a form's team field."""
    return [SelectChoice(name, name) for name in db.session.scalars(select(Team.name).order_by(Team.name))]


def _user_form() -> UserForm:
    """The new-user form with the current teams to choose from."""
    form = UserForm()
    form.team.choices = [SelectChoice("", "Choose a team"), *_team_choices()]
    return form


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_user():
    """Create a user; a generated password is shown once on the response page."""
    form = _user_form()
    if not form.validate_on_submit():
        return render_template("accounts/user_new.html", form=form), 400 if form.is_submitted() else 200
    typed = form.password.data or ""
    password = typed or accounts.generate_password()
    team_name = (form.new_team.data or "").strip() or form.team.data
    try:
        user = accounts.add_user(form.username.data, password, role=form.role.data, team_name=team_name,
                                 display_name=form.display_name.data,
                                 shoulder_number=(form.shoulder_number.data or "").strip() or None)
    except AccountError as error:
        db.session.rollback()
        field = error.field
        if field == "team":
            field = "new_team" if (form.new_team.data or "").strip() else "team"
        add_error(form, field, str(error))
        return render_template("accounts/user_new.html", form=form), 400
    if not typed:
        return _password_page(user, password, "created")
    flash(f"User {user.username} created.")
    return redirect(url_for("users.user", user_id=user.id))


@bp.get("/users/<int:user_id>")
@role_required(Role.ADMIN)
def user(user_id: int):
    """One user: their details, their devices, and what an admin can do to them."""
    person = db.get_or_404(User, user_id)
    devices = db.session.scalars(
        select(Device).where(Device.user_id == user_id).order_by(Device.created_at.desc(), Device.id.desc())
    ).all()
    return render_template("accounts/user.html", user=person, devices=devices, form=ConfirmForm())


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: int):
    """Change a user's name, shoulder number, role or team."""
    person = db.get_or_404(User, user_id)
    form = UserEditForm(obj=person) if request.method == "GET" else UserEditForm()
    form.team.choices = _team_choices()
    if request.method == "GET":
        form.team.data = person.team.name
    if not form.validate_on_submit():
        return render_template("accounts/user_edit.html", form=form, user=person), 400 if form.is_submitted() else 200
    try:
        changes = accounts.update_user(person, display_name=form.display_name.data,
                                       shoulder_number=form.shoulder_number.data, role=form.role.data,
                                       team_name=form.team.data, acting_user_id=current_user.id)
    except AccountError as error:
        db.session.rollback()
        add_error(form, error.field, str(error))
        return render_template("accounts/user_edit.html", form=form, user=person), 400
    flash(f"{person.username}: " + ("; ".join(changes) + "." if changes else "nothing to change."))
    return redirect(url_for("users.user", user_id=user_id))


def _user_action(user_id: int, action, done: str):
    """Run ``action(user)``; say what happened (or why not) on the user's page."""
    person = db.get_or_404(User, user_id)
    try:
        action(person)
    except AccountError as error:
        db.session.rollback()
        flash(str(error))
    else:
        flash(done.format(username=person.username))
    return redirect(url_for("users.user", user_id=user_id))


@bp.post("/users/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def deactivate_user(user_id: int):
    """Deactivate: sessions end and every device is revoked."""
    acting = current_user.id
    return _user_action(user_id, lambda person: accounts.deactivate_user(person, acting_user_id=acting),
                        "{username} is deactivated: signed out everywhere, every device revoked.")


@bp.post("/users/<int:user_id>/reactivate")
@role_required(Role.ADMIN)
def reactivate_user(user_id: int):
    """Let a deactivated user sign in again."""
    return _user_action(user_id, accounts.reactivate_user, "{username} can sign in again.")


@bp.post("/users/<int:user_id>/reset-password")
@role_required(Role.ADMIN)
def reset_password(user_id: int):
    """A new random password, shown once on this response only; the user's phones are signed out."""
    person = db.get_or_404(User, user_id)
    password, revoked = accounts.reset_password(person)
    return _password_page(person, password, "reset", revoked)


@bp.post("/devices/<int:device_id>/revoke")
@role_required(Role.ADMIN)
def revoke_device(device_id: int):
    """Sign one phone out; its token fails at once."""
    device = db.get_or_404(Device, device_id)
    return _on_device(device, accounts.revoke_device, f"Device {device.name!r} is revoked.")


def _on_device(device: Device, act, done: str):
    """Do ``act`` to a phone, then back to its user's page saying what happened (or why not)."""
    user_id = device.user_id
    try:
        act(device)
    except AccountError as error:
        db.session.rollback()
        flash(str(error))
    else:
        flash(done)
    return redirect(url_for("users.user", user_id=user_id))


class MarkLostForm(FlaskForm):
    """The second step of marking a phone lost: a box to tick, so one click never erases a phone."""

    confirm = BooleanField("I understand: this phone is signed out at once, and entries it has not sent "
                           "can no longer be recovered through the server.",
                           validators=[DataRequired("Tick the box to mark this phone lost.")])


def _lost_page(device: Device, form: MarkLostForm, status: int = 200):
    return render_template("accounts/device_lost.html", device=device, user=device.user, form=form), status


@bp.get("/devices/<int:device_id>/lost")
@role_required(Role.ADMIN)
def confirm_device_lost(device_id: int):
    """What marking this phone lost does, and the form that does it."""
    device = db.get_or_404(Device, device_id)
    return _lost_page(device, MarkLostForm(formdata=None))


@bp.post("/devices/<int:device_id>/lost")
@role_required(Role.ADMIN)
def mark_device_lost(device_id: int):
    """A lost or stolen phone: its token stops at once (401 device_lost) and its recovery key is destroyed."""
    device = db.get_or_404(Device, device_id)
    form = MarkLostForm()
    if not form.validate_on_submit():
        return _lost_page(device, form, 400)
    return _on_device(device, accounts.mark_device_lost, f"Device {device.name!r} is marked lost: its token no "
                      "longer works and its recovery key is destroyed.")
