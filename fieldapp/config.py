"""Configuration from the environment.

Every setting a deployment may change is read here, once, from a
``FIELDAPP_*`` variable. A bad value raises :class:`ConfigError` whose message
names the variable, so the command line can print one clear line instead of
a traceback.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

#: Record types whose retention period can be set, with their defaults in days.
RETENTION_DEFAULTS = {
    "encounter": 365 * 3,
    "postbox_visit": 365 * 2,
    "postbox_item": 365 * 2,
    "audit_event": 365 * 6,
    # A member of the public's request for their search record, with their contact details (#15).
    "record_request": 365,
}


#: Seconds one call into the database may run during a request (see fieldapp.deadline).
REQUEST_TIME_LIMIT_DEFAULT = 30.0


class ConfigError(Exception):
    """A configuration value is missing or wrong; the message names the variable."""


def _int(environ: Mapping[str, str], name: str, default: int, minimum: int = 1, maximum: int | None = None) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}.")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, got {value}.")
    return value


def _bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}.")


def _seconds(environ: Mapping[str, str], name: str, default: float, maximum: float) -> float:
    raw = (environ.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}.") from None
    if not 0 < value <= maximum:
        raise ConfigError(f"{name} must be more than 0 and at most {maximum:g}, got {raw}.")
    return value


def database_url(environ: Mapping[str, str], instance_path: Path) -> str:
    """Return the database URL, defaulting to a SQLite file in the instance folder."""
    raw = environ.get("FIELDAPP_DATABASE_URL", "").strip()
    if not raw:
        return f"sqlite:///{instance_path / 'fieldapp.sqlite3'}"
    return _checked_url("FIELDAPP_DATABASE_URL", raw)


def migration_database_url(environ: Mapping[str, str], app_url: str) -> str | None:
    """Return FIELDAPP_MIGRATION_DATABASE_URL (the tables' owner, who runs the migrations), or None.

    Unset, migrations run as FIELDAPP_DATABASE_URL (as before). Set, it must be
    the same kind of database with the same database name as ``app_url``: only
    the role (and the way to reach the server) may differ.
    """
    raw = environ.get("FIELDAPP_MIGRATION_DATABASE_URL", "").strip()
    if not raw:
        return None
    owner = make_url(_checked_url("FIELDAPP_MIGRATION_DATABASE_URL", raw))
    app = make_url(app_url)
    if owner.get_backend_name() != app.get_backend_name():
        raise ConfigError(
            f"FIELDAPP_MIGRATION_DATABASE_URL is a {owner.get_backend_name()} database but "
            f"FIELDAPP_DATABASE_URL is a {app.get_backend_name()} one: both must name the same database."
        )
    if (owner.database or "") != (app.database or ""):
        raise ConfigError(
            f"FIELDAPP_MIGRATION_DATABASE_URL names the database {owner.database or ''!r} but "
            f"FIELDAPP_DATABASE_URL names {app.database or ''!r}: both must name the same database."
        )
    return owner.render_as_string(hide_password=False)


def _checked_url(name: str, raw: str) -> str:
    """Check the database URL in the variable ``name``; return it with the psycopg driver for PostgreSQL."""
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(
            f"{name} is not a database URL "
            "(expected e.g. postgresql+psycopg://user@host/db or sqlite:////path/file.db)."
        ) from None
    if url.drivername == "postgres":
        url = url.set(drivername="postgresql")
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError(
            f"{name} uses {url.get_backend_name()!r}; only sqlite and postgresql are supported."
        )
    if url.drivername in {"postgresql", "postgres"}:
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername == "postgresql+psycopg" and not _installed("psycopg"):
        raise ConfigError(f"{name} is a PostgreSQL database, but its driver is not installed: "
                          "run pip install 'fieldapp[postgres]'.")
    return url.render_as_string(hide_password=False)


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except ValueError:  # listed in sys.modules as None: blocked
        return False


def secret_key(environ: Mapping[str, str], instance_path: Path) -> str:
    """Return FIELDAPP_SECRET_KEY, or a key generated once and kept in the instance folder.

    The file is created with mode 0600 and linked into place atomically, so
    several app processes starting together agree on one key.
    """
    raw = environ.get("FIELDAPP_SECRET_KEY", "")
    if raw:
        if len(raw) < 32:
            raise ConfigError("FIELDAPP_SECRET_KEY must be at least 32 characters long.")
        return raw
    path = instance_path / "secret_key"
    try:
        existing = path.read_text().strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing
    temporary = instance_path / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(temporary, path)  # fails if another process won the race
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text().strip()


def reference_file(environ: Mapping[str, str]) -> Path:
    """Return the reference lists' file, read and checked now so that a bad one stops start-up.

    FIELDAPP_REFERENCE_FILE, or the file shipped in the package. The check
    (fieldapp.reference) refuses a file the code cannot work with, naming the
    file and the difference in one line.
    """
    from fieldapp.reference import REFERENCE_FILE, load

    raw = environ.get("FIELDAPP_REFERENCE_FILE", "").strip()
    path = Path(raw).resolve() if raw else REFERENCE_FILE
    try:
        load(path)
    except OSError as exc:
        where = f"FIELDAPP_REFERENCE_FILE {raw!r}" if raw else str(path)
        raise ConfigError(f"{where} cannot be read: {exc.strerror}.") from None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return path


def load(environ: Mapping[str, str], instance_path: Path) -> dict[str, Any]:
    """Build the Flask configuration from ``environ`` (normally ``os.environ``)."""
    try:
        instance_path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"FIELDAPP_INSTANCE_PATH {str(instance_path)!r} cannot be created: {exc.strerror}.") from None
    retention = {
        record_type: _int(environ, f"FIELDAPP_RETENTION_{record_type.upper()}_DAYS", days)
        for record_type, days in RETENTION_DEFAULTS.items()
    }
    session_max_age = timedelta(hours=_int(environ, "FIELDAPP_SESSION_MAX_HOURS", 12, maximum=24 * 7))
    app_database = database_url(environ, instance_path)
    return {
        "SQLALCHEMY_DATABASE_URI": app_database,
        # The tables' owner, who runs the migrations (None: FIELDAPP_DATABASE_URL's role does).
        "MIGRATION_DATABASE_URI": migration_database_url(environ, app_database),
        "SECRET_KEY": secret_key(environ, instance_path),
        "TOKEN_MAX_AGE": timedelta(days=_int(environ, "FIELDAPP_TOKEN_MAX_AGE_DAYS", 30)),
        "RETENTION_DAYS": retention,
        "LOGIN_THROTTLE_LIMIT": _int(environ, "FIELDAPP_LOGIN_THROTTLE_LIMIT", 5),
        "LOGIN_THROTTLE_WINDOW": timedelta(minutes=_int(environ, "FIELDAPP_LOGIN_THROTTLE_MINUTES", 15)),
        # Failed sign-ins from one address, whatever the usernames (a shared station address has many people).
        "LOGIN_THROTTLE_ADDRESS_LIMIT": _int(environ, "FIELDAPP_LOGIN_THROTTLE_ADDRESS_LIMIT", 30),
        # A web session ends after this long without a request, and this long after sign-in whatever happens.
        "SESSION_IDLE": timedelta(minutes=_int(environ, "FIELDAPP_SESSION_IDLE_MINUTES", 30, maximum=24 * 60)),
        "SESSION_MAX_AGE": session_max_age,
        # The officer app locks (the data key dropped, the screen hidden) after this long untouched.
        "IDLE_LOCK_MINUTES": _int(environ, "FIELDAPP_IDLE_LOCK_MINUTES", 5, maximum=60),
        # The signed cookie itself is refused after the same time (Flask checks its signature's age).
        "PERMANENT_SESSION_LIFETIME": session_max_age,
        "SESSION_COOKIE_SECURE": _bool(environ, "FIELDAPP_SECURE_COOKIES", False),
        "TRUST_PROXY": _bool(environ, "FIELDAPP_TRUST_PROXY", False),
        "REQUEST_TIME_LIMIT_SECONDS": _seconds(environ, "FIELDAPP_REQUEST_TIME_LIMIT_SECONDS",
                                               REQUEST_TIME_LIMIT_DEFAULT, maximum=3600),
        "REFERENCE_FILE": reference_file(environ),
        # Stop and search (#15). The address the public reaches this server at, printed on receipts as
        # a link and a QR code (empty: the address the phone signed in to).
        "PUBLIC_URL": environ.get("FIELDAPP_PUBLIC_URL", "").strip().rstrip("/")[:200],
        # Record requests on /receipt accepted from one address per hour (more are refused, politely).
        "RECEIPT_REQUESTS_PER_HOUR": _int(environ, "FIELDAPP_RECEIPT_REQUESTS_PER_HOUR", 5, maximum=1000),
        # Days a supervisor has to answer a record request (the team's service standard).
        "RECORD_REQUEST_ANSWER_DAYS": _int(environ, "FIELDAPP_RECORD_REQUEST_ANSWER_DAYS", 7, maximum=90),
        # The monthly dip sample: searches drawn per supervisor of the team.
        "DIP_SAMPLE_PER_SUPERVISOR": _int(environ, "FIELDAPP_DIP_SAMPLE_PER_SUPERVISOR", 3, maximum=100),
        # Mixed into the officer app's version: a new value makes phones offer the update.
        "RELEASE": environ.get("FIELDAPP_RELEASE", "").strip()[:100],
    }
