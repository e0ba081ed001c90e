"""Personal data stays out of the logs: a database error names no bound parameter and (PostgreSQL)
no clashing key's value, in its message or in the traceback logged with it.

(The access log's query strings: tests/test_serve.py, against the real server.)
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import IntegrityError

from fieldapp.extensions import db
from fieldapp.models import Team


def test_a_logged_database_error_carries_no_parameter_values(app, caplog):
    db.session.add(Team(name="Team of PC Smith-Jones"))
    db.session.commit()
    db.session.add(Team(name="Team of PC Smith-Jones"))
    with pytest.raises(IntegrityError) as raised:
        db.session.commit()
    db.session.rollback()
    with caplog.at_level(logging.ERROR):
        app.logger.error("Unhandled error", exc_info=raised.value)
    logged = caplog.text
    assert "IntegrityError" in logged and "INSERT INTO teams" in logged  # the statement is still there
    assert "Smith-Jones" not in logged, logged
    assert raised.value.orig is not None  # the driver's error is kept for the code that reads it
