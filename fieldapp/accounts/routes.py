"""Sign-in and sign-out pages."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from fieldapp.accounts.forms import LoginForm, LogoutForm
from fieldapp.accounts.credentials import authenticate
from fieldapp.main.routes import landing

bp = Blueprint("auth", __name__, template_folder="templates")

SIGN_IN_FAILED = "That username and password do not match an active account."
THROTTLED = "Too many failed sign-ins. Wait 15 minutes and try again, or ask an admin."


def _safe_next(target: str | None) -> str | None:
    """Only follow ``next`` to a path on this site (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; on success start a fresh session."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        outcome = authenticate(form.username.data, form.password.data, request.remote_addr or "")
        if outcome.user is not None:
            next_page = _safe_next(request.args.get("next"))
            # A new session at sign-in: nothing from before survives (no session fixation).
            session.clear()
            login_user(outcome.user)
            session["sid"] = secrets.token_urlsafe(16)
            return redirect(next_page or landing(outcome.user.role))  # on their work, one page load sooner
        if outcome.throttled:
            form.form_errors.append(THROTTLED)
            status = 429
        else:
            form.form_errors.append(SIGN_IN_FAILED)
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST with a CSRF token only) and forget the session."""
    form = LogoutForm()
    if not form.validate_on_submit():
        flash("Your sign-out form had expired; please try again.")
        return redirect(url_for("main.index"))
    logout_user()
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))
