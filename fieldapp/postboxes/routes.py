"""Admin pages for postboxes: list with where each stands, add, move, retire, placement history."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from sqlalchemy import select
from wtforms import SelectChoice

from fieldapp.admin.forms import ConfirmForm, add_error
from fieldapp.access import role_required
from fieldapp.extensions import db
from fieldapp.models import Placement, Postbox, Role, Team
from fieldapp.paging import Keyset, cursor_arg, keyset_page
from fieldapp.postboxes.forms import MoveForm, PostboxForm, SiteFields
from fieldapp.postboxes.operations import PostboxError, Site, add_postbox, move_postbox, retire_postbox
from fieldapp.reference import reference_lists

bp = Blueprint("postboxes", __name__, url_prefix="/admin", template_folder="templates")

PAGE_SIZE = 100
#: The postboxes page's order: by the unique label.
POSTBOX_ORDER = Keyset("p1", (Postbox.label,), (str,))


def _site_choices(form: SiteFields) -> None:
    """Offer the site types of the reference list."""
    form.site_type.choices = [SelectChoice(item["value"], item["label"])
                              for item in reference_lists().lists["site_types"]]


def _site(form: SiteFields) -> Site:
    """The site typed into ``form``."""
    return Site(site_name=form.site_name.data or "", site_type=form.site_type.data or "",
                address=form.address.data or "", latitude=form.latitude.data, longitude=form.longitude.data)


def _site_labels() -> dict[str, str]:
    """Site type value -> label, for display."""
    return {item["value"]: item["label"] for item in reference_lists().lists["site_types"]}


@bp.get("/postboxes")
@role_required(Role.ADMIN)
def postboxes():
    """Every postbox by label, with its team and current site (one query, keyset on the unique label)."""
    query = (
        select(Postbox.id, Postbox.label, Postbox.active, Team.name.label("team"), Placement.site_name,
               Placement.site_type, Placement.address, Placement.placed_from)
        .join(Team, Postbox.team_id == Team.id)
        .outerjoin(Placement, (Placement.postbox_id == Postbox.id) & Placement.placed_to.is_(None))
    )
    rows, next_cursor = keyset_page(query, POSTBOX_ORDER, PAGE_SIZE, cursor_arg("after", POSTBOX_ORDER))
    return render_template("postboxes/postboxes.html", rows=rows, next_cursor=next_cursor,
                           site_labels=_site_labels())


@bp.route("/postboxes/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_postbox():
    """Add a postbox at its first site."""
    form = PostboxForm()
    _site_choices(form)
    form.team_id.choices = [SelectChoice(team.id, team.name)
                            for team in db.session.scalars(select(Team).order_by(Team.name))]
    if form.validate_on_submit():
        try:
            box = add_postbox(form.label.data, form.team_id.data, _site(form))
        except PostboxError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash(f"Postbox {box.label} added.")
            return redirect(url_for("postboxes.postbox", postbox_id=box.id))
    return render_template("postboxes/postbox_new.html", form=form), 400 if form.is_submitted() else 200


def _postbox_page(postbox_id: int, move_form: MoveForm | None = None, status: int = 200):
    """One box: its team, every placement newest first, the move and retire forms."""
    box = db.get_or_404(Postbox, postbox_id)
    team = db.session.get(Team, box.team_id)
    placements = db.session.scalars(
        select(Placement).where(Placement.postbox_id == postbox_id)
        .order_by(Placement.placed_from.desc(), Placement.id.desc())
    ).all()
    if move_form is None:
        move_form = MoveForm(formdata=None)
        _site_choices(move_form)
    return render_template("postboxes/postbox.html", box=box, team=team, placements=placements, move_form=move_form,
                           confirm=ConfirmForm(), site_labels=_site_labels()), status


@bp.get("/postboxes/<int:postbox_id>")
@role_required(Role.ADMIN)
def postbox(postbox_id: int):
    """A postbox's page."""
    return _postbox_page(postbox_id)


@bp.post("/postboxes/<int:postbox_id>/move")
@role_required(Role.ADMIN)
def move(postbox_id: int):
    """Move the box: its current placement ends now and a new one begins."""
    db.get_or_404(Postbox, postbox_id)
    form = MoveForm()
    _site_choices(form)
    if form.validate_on_submit():
        try:
            placement = move_postbox(postbox_id, _site(form))
        except PostboxError as error:
            db.session.rollback()
            add_error(form, error.field, str(error))
        else:
            flash(f"Moved to {placement.site_name}.")
            return redirect(url_for("postboxes.postbox", postbox_id=postbox_id))
    return _postbox_page(postbox_id, form, 400)


@bp.post("/postboxes/<int:postbox_id>/retire")
@role_required(Role.ADMIN)
def retire(postbox_id: int):
    """Retire the box: out of use, its placement ended; its history stays."""
    db.get_or_404(Postbox, postbox_id)
    try:
        retire_postbox(postbox_id)
    except PostboxError as error:
        db.session.rollback()
        flash(str(error))
    else:
        flash("Postbox retired.")
    return redirect(url_for("postboxes.postbox", postbox_id=postbox_id))
