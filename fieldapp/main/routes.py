"""Where each person lands after sign-in, and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from fieldapp.access import is_reviewer
from fieldapp.extensions import db
from fieldapp.models import Role
from fieldapp.transactions import reads_only

bp = Blueprint("main", __name__)


def landing(role: str) -> str:
    """Where a person's work is: officers their app, reviewers the review queue, other admins /admin."""
    if role == Role.OFFICER:
        return url_for("officer.app_shell")
    if is_reviewer(role):
        return url_for("review.queue")
    return url_for("admin.index")


@bp.route("/")
@login_required
def index():
    """Where a signed-in person starts: straight on their work (their name, role and team are in the header)."""
    return redirect(landing(current_user.role))


@bp.route("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not (for load balancers)."""
    reads_only()  # answers at once, not after the writers queued for SQLite's write lock
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
