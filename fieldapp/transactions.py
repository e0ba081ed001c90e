"""How transactions begin: on SQLite, a request's transactions take the write lock first.

A SQLite transaction that reads and later writes cannot wait for another
writer: when it tries to write it fails at once with 'database is locked'
(the busy timeout is not used, to avoid a deadlock), so under ordinary
concurrency sign-ins, page views (each audited), photo uploads and decisions
answered 500 while a phone was pushing. So every transaction that a request
opens on SQLite begins with ``BEGIN IMMEDIATE``: it takes the write lock
first, queuing on the busy timeout behind other writers, and what follows
cannot fail for want of it. Requests hold it for milliseconds: passwords are
hashed outside any transaction (see fieldapp.accounts.credentials), photo bodies
are read before one opens. A request that then only reads for a long time
(a streamed export) says so with :func:`reads_only`.

PostgreSQL needs none of this: its row locks and advisory locks do the waiting.
Outside requests (the command line, the tests' own set-up) transactions are
deferred unless a write path asks with :func:`begin_write`.

A failed statement's error keeps personal data out of the logs it reaches
(:func:`_without_personal_data`): SQLAlchemy's message would list the bound
parameters (usernames, entry content), and PostgreSQL's adds a ``DETAIL:``
line quoting the clashing key's value. The statement and the error's kind,
SQLSTATE and constraint stay, for whoever reads the log.
"""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext

from fieldapp.extensions import db

#: Where a request keeps how its next SQLite transactions begin.
_BEGIN_KEY = "fieldapp.sqlite_begin"


def begin_statement(execution_options: dict) -> str:
    """The BEGIN statement for a new SQLite transaction."""
    mode = execution_options.get("sqlite_begin")
    if mode is None:
        mode = request.environ.get(_BEGIN_KEY, "IMMEDIATE") if has_request_context() else ""
    return f"BEGIN {mode}".strip()


def reads_only() -> None:
    """The rest of this request only reads (a streamed download): its next transactions are deferred.

    Call it after the request's last write has been committed, so that a long
    read does not hold SQLite's write lock while it streams.
    """
    request.environ[_BEGIN_KEY] = "DEFERRED"


def begin_write() -> None:
    """Start the write transaction; on SQLite take the write lock now.

    A read in progress is ended first (its objects reload on next use). In a
    request this is what every transaction does anyway; the command line and
    code run outside requests need it.
    """
    if db.engine.dialect.name != "sqlite":
        return
    if db.session().in_transaction():
        db.session.commit()
    db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def _drop_detail(error: BaseException | None) -> None:
    """Remove the lines of ``error``'s message that quote values (PostgreSQL's ``DETAIL:``)."""
    if error is None or not error.args or not isinstance(error.args[0], str) or "DETAIL:" not in error.args[0]:
        return
    kept = [line for line in error.args[0].splitlines() if not line.lstrip().startswith("DETAIL:")]
    error.args = ("\n".join(kept), *error.args[1:])


@event.listens_for(Engine, "handle_error")
def _without_personal_data(context: ExceptionContext) -> None:
    """Every engine: a failed statement's error names no parameter value, its driver's error no key value.

    (``hide_parameters=True`` in the engine options does the first for SQLAlchemy's own
    statement logging too.) The driver's error keeps its SQLSTATE and ``diag`` for the code.
    """
    if context.sqlalchemy_exception is not None:
        context.sqlalchemy_exception.hide_parameters = True
        _drop_detail(context.sqlalchemy_exception)
    _drop_detail(context.original_exception)
