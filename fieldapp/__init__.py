"""fieldapp: the central server of an offline-first field notebook for neighbourhood policing."""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter
from sqlalchemy import event
from sqlalchemy.engine import Engine

from fieldapp import config as config_module
from fieldapp.config import ConfigError
from fieldapp.transactions import begin_statement
from sync.fields import MAX_INT32

__all__ = ["ConfigError", "create_app"]

# Each feature's pages: importing a feature's operations never imports these.
BLUEPRINTS = (
    "fieldapp.main.routes",
    "fieldapp.accounts.routes",
    "fieldapp.api.routes",
    "fieldapp.officer.routes",
    "fieldapp.review.routes",
    "fieldapp.admin.routes",
    "fieldapp.accounts.admin_routes",
    "fieldapp.postboxes.routes",
    "fieldapp.audit.routes",
    "fieldapp.exports.routes",
    "fieldapp.reports.routes",
    "fieldapp.searches.routes",
    "fieldapp.public.routes",
)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class BoundedInt(IntegerConverter):
    """Flask's int converter, limited to the range of a 32-bit database id."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_INT32)
        super().__init__(map, *args, **kwargs)


def _migrations_directory() -> str:
    """Where the Alembic scripts are: installed in the package, or at the top of a checkout."""
    spec = importlib.util.find_spec("fieldapp.migrations")
    if spec is not None and spec.submodule_search_locations:
        return str(Path(next(iter(spec.submodule_search_locations))))
    return str(MIGRATIONS_DIR)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application.

    Settings come from ``FIELDAPP_*`` environment variables (see the README);
    ``config`` overrides them, which is how the tests configure an app.
    Raises :class:`ConfigError` naming the variable when a setting is wrong.
    """
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("FIELDAPP_INSTANCE_PATH")
    app = Flask(__name__, instance_path=str(Path(instance_path).resolve()) if instance_path else None)
    environ = dict(os.environ)
    if config and "SQLALCHEMY_DATABASE_URI" in config:
        environ["FIELDAPP_DATABASE_URL"] = config["SQLALCHEMY_DATABASE_URI"]
    app.config.update(config_module.load(environ, Path(app.instance_path)))
    # <int:...> in URLs stops at the largest id the database can hold: a bigger one is a 404, not a 500.
    app.url_map.converters["int"] = BoundedInt
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="fieldapp_session",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        MAX_CONTENT_LENGTH=12 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session: forms never time out
        JSON_SORT_KEYS=False,
    )
    if config:
        app.config.update(config)
    _configure_database(app)

    from fieldapp import models  # noqa: F401  (every table on the metadata)
    from fieldapp.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_directory(), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)

    from fieldapp.accounts.sessions import SessionInterface, load_user

    app.session_interface = SessionInterface()
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."

    if app.config["TRUST_PROXY"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    from fieldapp import access, deadline, errors, security, times

    for module in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module).bp)
    access.init_app(app)
    security.init_app(app)
    times.init_app(app)
    errors.init_app(app)
    deadline.init_app(app)
    return app


def _configure_database(app: Flask) -> None:
    """Tune SQLite (WAL, busy timeout, foreign keys) on every new connection."""
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite"):
        return
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    options.setdefault("connect_args", {})["timeout"] = 30


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # pragma: no cover - trivial
    """Every SQLite connection: WAL journal, foreign keys enforced, a busy timeout."""
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" hook below start transactions, not the driver,
    # so a write path can ask for BEGIN IMMEDIATE (see fieldapp.transactions).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:  # pragma: no cover - trivial
    """Start SQLite transactions ourselves: IMMEDIATE in requests (see fieldapp.transactions)."""
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql(begin_statement(conn.get_execution_options()))
