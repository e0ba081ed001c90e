"""Starting write transactions the same way everywhere."""

from __future__ import annotations

from fieldapp.extensions import db


def begin_write() -> None:
    """Start the write transaction; on SQLite take the write lock now.

    A SQLite transaction that read first and writes later cannot wait for
    another writer (it fails with 'database is locked'), so a read in progress
    is ended (its objects reload on next use) and the write transaction asks
    for BEGIN IMMEDIATE, which queues on the busy timeout instead. PostgreSQL
    needs nothing: its row locks and advisory locks do the waiting.
    """
    if db.engine.dialect.name != "sqlite":
        return
    if db.session().in_transaction():
        db.session.commit()
    db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
