"""A time limit on the database work of a request, so that no request holds a worker for minutes.

Each call a request makes into the database gets at most
``REQUEST_TIME_LIMIT_SECONDS`` (``FIELDAPP_REQUEST_TIME_LIMIT_SECONDS``, 30 s
by default): PostgreSQL enforces it itself (``SET LOCAL statement_timeout`` at
the start of each of the request's transactions); on SQLite a progress handler
aborts a statement still working past its deadline. A request stopped this
way answers 503 with a message (JSON for API clients), its session rolled
back, never a bare 500.

The limit is per call, not per request, on purpose: a streamed CSV export
reads its rows in batches through one cursor, and each batch is a call of its
own (a ``FETCH`` of PostgreSQL's server-side cursor; a fetch from SQLite's
cursor, which steps the statement on), so an export may take as long as the
download does while no single batch may run away. Work outside a request
(the CLI, migrations, retention) has no limit.
"""

from __future__ import annotations

import math
import sqlite3
import time
import weakref

from flask import Flask, current_app, has_request_context, render_template, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from fieldapp.config import REQUEST_TIME_LIMIT_DEFAULT
from fieldapp.errors import json_error, wants_json
from fieldapp.extensions import db

DEFAULT_SECONDS = REQUEST_TIME_LIMIT_DEFAULT
#: SQLite calls the progress handler every this many virtual-machine steps (well under a millisecond).
PROGRESS_STEPS = 10_000
#: psycopg's QueryCanceled: what PostgreSQL answers when statement_timeout stops a statement.
QUERY_CANCELED = "57014"


class TimeLimitExceeded(OperationalError):
    """The database stopped a statement of a request at the time limit (still an OperationalError)."""


def _limit() -> float | None:
    """The limit in seconds for the database work being started now; None outside a request."""
    if not has_request_context():
        return None
    return current_app.config["REQUEST_TIME_LIMIT_SECONDS"]


class TimedConnection(sqlite3.Connection):
    """A SQLite connection whose every statement and fetch must finish by a deadline (set per call)."""

    def __init__(self, *args, **kwargs) -> None:
        """Open the connection and install the progress handler that enforces the deadline."""
        super().__init__(*args, **kwargs)
        self.deadline = math.inf
        this = weakref.ref(self)  # the handler must not keep the connection alive

        def past_deadline() -> int:
            connection = this()
            return int(connection is not None and time.monotonic() > connection.deadline)

        self.set_progress_handler(past_deadline, PROGRESS_STEPS)

    def arm(self) -> None:
        """Give the call about to start the whole limit (none outside a request)."""
        limit = _limit()
        self.deadline = math.inf if limit is None else time.monotonic() + limit

    def cursor(self, factory=None):
        """Cursors that arm the deadline on every call into SQLite."""
        return super().cursor(factory or TimedCursor)


class TimedCursor(sqlite3.Cursor):
    """Each execute and each fetch is one call into SQLite, with the whole limit to itself."""

    def execute(self, sql, parameters=()):
        self.connection.arm()
        return super().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters):
        self.connection.arm()
        return super().executemany(sql, seq_of_parameters)

    def fetchone(self):
        self.connection.arm()
        return super().fetchone()

    def fetchmany(self, size=None):
        self.connection.arm()
        return super().fetchmany(self.arraysize if size is None else size)

    def fetchall(self):
        self.connection.arm()
        return super().fetchall()

    def __next__(self):
        self.connection.arm()
        return super().__next__()


def _is_time_limit(error: BaseException) -> bool:
    """Did the database stop this statement at our time limit?"""
    if isinstance(error, sqlite3.OperationalError):
        return str(error) == "interrupted"  # only the progress handler interrupts
    return getattr(error, "sqlstate", None) == QUERY_CANCELED


def _watch(engine: Engine) -> None:
    """Enforce the limit on ``engine``'s connections and name the error it raises."""
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "do_connect")
        def timed_connection(dialect, connection_record, cargs, cparams) -> None:
            cparams["factory"] = TimedConnection
    else:
        @event.listens_for(engine, "begin")
        def statement_timeout(connection) -> None:
            limit = _limit()
            if limit is not None:  # SET LOCAL: the connection goes back to the pool without it
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, round(limit * 1000))}")

    @event.listens_for(engine, "handle_error")
    def name_the_error(context):
        if _is_time_limit(context.original_exception):
            return TimeLimitExceeded(context.statement, context.parameters, context.original_exception)
        return None


def init_app(app: Flask) -> None:
    """Watch the database engines with the app's ``REQUEST_TIME_LIMIT_SECONDS`` (see fieldapp.config),
    and answer 503 to a request the limit stopped."""
    with app.app_context():
        for engine in db.engines.values():
            _watch(engine)

    @app.errorhandler(TimeLimitExceeded)
    def stopped(error: TimeLimitExceeded):
        db.session.rollback()
        seconds = app.config["REQUEST_TIME_LIMIT_SECONDS"]
        app.logger.warning("%s %s stopped at the time limit (%gs): %s", request.method, request.path, seconds,
                           error.orig)
        message = (f"This request took longer than the server allows ({seconds:g} seconds) and was stopped. "
                   "Try again with a shorter period or narrower filters.")
        if wants_json():
            return json_error(503, "time_limit", message)
        return render_template("errors/error.html", code=503, title="That took too long", message=message), 503
