"""The ``fieldapp`` command: serve, init-db, create-user, retention, audit, dip-sample (and Flask's own commands).

Each command prints one clear line and exits non-zero when something is
wrong with the configuration, the database or the port, never a traceback.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Callable
from functools import wraps

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, NoAppException
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from fieldapp.config import ConfigError
from fieldapp.models import ROLES
from fieldapp.audit.commands import audit_command
from fieldapp.retention import retention_command
from fieldapp.searches.dip import dip_sample_command



def _create_app() -> Flask:
    from fieldapp import create_app

    try:
        return create_app()
    except ConfigError as exc:
        raise NoAppException(str(exc)) from None


def _safe_url(app: Flask, key: str = "SQLALCHEMY_DATABASE_URI") -> str:
    return make_url(app.config[key]).render_as_string(hide_password=True)


def with_app(func: Callable) -> Callable:
    """Run a command inside an app context, turning known failures into one line."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        from fieldapp import create_app

        try:
            app = create_app()
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        with app.app_context():
            try:
                return func(*args, **kwargs)
            except OperationalError as exc:
                reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
                raise click.ClickException(f"cannot use the database at {_safe_url(app)}: {reason}") from None

    return wrapper


@click.group(cls=FlaskGroup, create_app=_create_app, load_dotenv=False, add_version_option=False,
             help="fieldapp: the central server of the offline-first field notebook.")
def main() -> None:
    """Entry point of the console script."""
    os.umask(0o077)  # every file a command creates (instance folder, database, logs): this user only


def upgrade_database() -> None:
    """Bring the database to the latest schema (Alembic through Flask-Migrate).

    With FIELDAPP_MIGRATION_DATABASE_URL set, as that role (the tables' owner),
    then, on PostgreSQL, granting FIELDAPP_DATABASE_URL's role what the app
    needs on every table (migrations/env.py, fieldapp.privileges). A failure
    as the owner is one line naming the owner's URL (never a password).
    """
    import logging

    from flask_migrate import upgrade

    from fieldapp.privileges import PrivilegeError

    logging.getLogger("alembic").setLevel(logging.WARNING)
    if not current_app.config.get("MIGRATION_DATABASE_URI"):
        upgrade()
        return
    try:
        upgrade()
    except PrivilegeError as exc:
        raise click.ClickException(f"cannot limit the app's database role: {exc}") from None
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None)
        reason = str(orig or exc).strip().splitlines()[0]
        raise click.ClickException(
            f"cannot migrate the database as {_safe_url(current_app, 'MIGRATION_DATABASE_URI')}: {reason}"
        ) from None


@main.command("init-db", with_appcontext=False)
@with_app
def init_db_command() -> None:
    """Create the tables, or bring an older database up to date."""
    upgrade_database()
    click.echo(f"Database is up to date: {_safe_url(current_app)}")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@main.command("create-user", with_appcontext=False)
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--team", "team_name", required=True, help="Team name; created if it does not exist yet.")
@click.option("--display-name", help="Name shown to others (default: the username).")
@click.option("--shoulder-number", help="The officer's shoulder (collar) number.")
@with_app
def create_user_command(username: str, role: str, team_name: str, display_name: str | None,
                        shoulder_number: str | None) -> None:
    """Add a user. The password is read from a prompt, or from standard input when piped."""
    from fieldapp.accounts.operations import AccountError, create_user, record_created
    from fieldapp.extensions import db
    from fieldapp.models import Team
    from fieldapp.transactions import begin_write

    password = _read_password()
    begin_write()
    new_team = db.session.scalar(select(Team.id).where(Team.name == team_name.strip())) is None
    try:
        user = create_user(username, password, role=role, team_name=team_name,
                           display_name=display_name, shoulder_number=shoulder_number, commit=False)
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    record_created(user, new_team, "from the command line")  # in the audit log, with the user, in one commit
    db.session.commit()
    click.echo(f"Created {user.role} {user.username!r} in team {user.team.name!r}.")


def _port_free(host: str, port: int) -> str | None:
    """None when we can listen on host:port, else the reason."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


@main.command("serve", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (gunicorn).")
@click.option("--demo", is_flag=True, help="Add a demo team, accounts and postboxes, and print how to sign in.")
@click.option("--access-log", is_flag=True, help="Print one line per request to standard output.")
def serve_command(host: str, port: int, workers: int, demo: bool, access_log: bool) -> None:
    """Migrate the database, then serve the app with gunicorn."""
    from fieldapp import create_app
    from fieldapp.extensions import db
    from fieldapp.models import User

    try:
        app = create_app()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    problem = _port_free(host, port)
    if problem:
        raise click.ClickException(f"cannot listen on {host}:{port}: {problem}.")
    with app.app_context():
        try:
            upgrade_database()
            if demo:
                from fieldapp.demo import seed_demo

                accounts = seed_demo()
                click.echo("Demo accounts (password for all: {}):".format(accounts.password))
                for username, role in accounts.users:
                    click.echo(f"  {username:<12} {role}")
            elif not db.session.scalar(select(func.count()).select_from(User)):
                click.echo("No users yet. Create one with:\n"
                           "  fieldapp create-user USERNAME --role admin --team 'TEAM NAME'\n"
                           "or start with demo data: fieldapp serve --demo")
        except (OperationalError, SQLAlchemyError) as exc:
            orig = getattr(exc, "orig", None)
            reason = str(orig or exc).strip().splitlines()[0]
            raise click.ClickException(f"cannot use the database at {_safe_url(app)}: {reason}") from None
        finally:
            db.session.remove()
            db.engine.dispose()  # no connection may cross the fork into the workers
    click.echo(f"Database: {_safe_url(app)}")
    click.echo(f"Serving on http://{host}:{port} with {workers} workers. Press Ctrl+C to stop.")
    sys.stdout.flush()
    from fieldapp.server import run

    run(host=host, port=port, workers=workers, access_log=access_log)


main.add_command(retention_command)
main.add_command(audit_command)
main.add_command(dip_sample_command)


if __name__ == "__main__":
    main()
