"""Sign-in and sign-out pages, changing one's own password, and the checks every page for people passes."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from fieldapp.accounts import operations as accounts
from fieldapp.accounts import sessions, throttle
from fieldapp.accounts.forms import ChangePasswordForm, LoginForm, LogoutForm
from fieldapp.accounts.credentials import authenticate, password_matches
from fieldapp.accounts.operations import AccountError
from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.main.routes import landing
from fieldapp.models import AuditAction

bp = Blueprint("auth", __name__, template_folder="templates")

SIGN_IN_FAILED = "That username and password do not match an active account."
MUST_CHANGE = "An admin reset your password: choose your own to carry on."
PASSWORD_CHANGED = "Your password is changed. Any other session of yours has ended."
SIGNED_OUT = "You are signed out."

#: Where a user who must change their password may still go: this page, signing out, and what is not a page.
WHILE_CHANGING = frozenset({"auth.change_password", "auth.logout", "auth.login", "static"})
#: Blueprints whose requests the web session's checks leave alone: the API (device tokens) and the
#: officer app's shell and service worker (served to anyone; the app signs in with a token).
NOT_PAGES = frozenset({"api", "officer"})


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
            user = outcome.user
            login_user(user)
            session["sid"] = secrets.token_urlsafe(16)
            sessions.start()
            audit.record(AuditAction.CONSULT, "user", user.id, "signed in on the web", actor_id=user.id)
            db.session.commit()
            if user.must_change_password:
                flash(MUST_CHANGE)
                return redirect(url_for("auth.change_password"))
            return redirect(next_page or landing(user.role))  # on their work, one page load sooner
        if outcome.throttled:
            form.form_errors.append(f"{throttle.wait_text()}, or ask an admin.")
            status = 429
        else:
            form.form_errors.append(SIGN_IN_FAILED)
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST with a CSRF token only): the session ends on the server, every copy of its cookie with it.

    The user's session token is replaced, so a copy of the cookie taken
    before (another tab shares it; a stolen one does too) loads nobody. That
    also ends the user's sessions in other browsers: one sign-out ends them all.
    """
    form = LogoutForm()
    if not form.validate_on_submit():
        flash("Your sign-out form had expired; please try again.")
        return redirect(url_for("main.index"))
    if current_user.is_authenticated:
        current_user.end_sessions()
        audit.record(AuditAction.ALTER, "user", current_user.id, "signed out on the web")
        db.session.commit()
    logout_user()
    session.clear()
    flash(SIGNED_OUT)
    response = redirect(url_for("auth.login"))
    # Pages with personal data are no-store already; this also drops anything a browser kept anyway.
    # Not "storage": on a shared browser it would erase the officer app's unsent entries.
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """'Change your password': the current one, the new one twice, the rules of every password.

    Wrong current passwords count against the sign-in throttle, so a session
    left open is no way to guess the password. After the change this session
    carries on under the new session token; every other one has ended.
    """
    form = ChangePasswordForm()
    forced = current_user.must_change_password
    status = 200
    if form.is_submitted():
        status = 400
    if form.validate_on_submit():
        user_id, username = current_user.id, current_user.username
        attempt = throttle.begin(username, request.remote_addr or "")
        if attempt.throttled:
            form.form_errors.append(f"{throttle.wait_text()}, or ask an admin.")
            status = 429
        elif not password_matches(user_id, form.current_password.data):
            throttle.failed(attempt)
            form.current_password.errors.append("That is not your current password.")
        elif form.new_password.data == form.current_password.data:
            throttle.succeeded(attempt)
            form.new_password.errors.append("Choose a password different from the one you have now.")
        else:
            throttle.succeeded(attempt)
            try:
                user = accounts.change_own_password(user_id, form.new_password.data)
            except AccountError as error:
                db.session.rollback()
                form.new_password.errors.append(str(error))
            else:
                login_user(user)  # this session, under the new session token; its times carry on
                flash(PASSWORD_CHANGED)
                return redirect(landing(user.role))
    return render_template("accounts/change_password.html", form=form, forced=forced,
                           min_length=accounts.MIN_PASSWORD_LENGTH), status


@bp.before_app_request
def check_session():
    """Every page for people: load the session's user, which checks its idle time and lifetime
    (fieldapp.accounts.sessions), and keep a user who must change their password on that page."""
    if request.blueprint in NOT_PAGES or request.endpoint in {"static", "main.healthz"}:
        return None
    if not current_user.is_authenticated:
        return None
    if current_user.must_change_password and request.endpoint not in WHILE_CHANGING:
        if request.endpoint is not None:  # a real page, not a 404
            flash(MUST_CHANGE)
        return redirect(url_for("auth.change_password"))
    return None
