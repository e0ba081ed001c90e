"""Home page and health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from fieldapp.extensions import db
from fieldapp.models import Role
from fieldapp.transactions import reads_only

bp = Blueprint("main", __name__, template_folder="templates")


@bp.route("/")
@login_required
def index():
    """Where a signed-in person starts: officers go to their app, others see what their role can do."""
    if current_user.role == Role.OFFICER:
        return redirect(url_for("officer.app_shell"))
    return render_template("main/index.html", user=current_user)


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
