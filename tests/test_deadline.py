"""The time limit on a request's database work: a runaway statement is stopped with a 503, nothing else is.

Each test sets the limit to a fraction of a second and runs a deliberately
slow statement (a recursive CTE counting to a hundred million, which takes
many seconds on either database), on both SQLite and PostgreSQL.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from fieldapp import create_app
from fieldapp.config import ConfigError
from fieldapp.deadline import DEFAULT_SECONDS, TimeLimitExceeded
from fieldapp.extensions import db
from fieldapp.models import Team
from tests.fixtures.rows import count

LIMIT = 0.25
SLOW = text("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 100000000) "
            "SELECT count(*) FROM c")
ROWS = text("WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3000) SELECT n FROM c")


@pytest.fixture
def limited(app):
    """``app`` with a limit of LIMIT seconds and two test-only routes that write, then run SLOW."""
    app.config["REQUEST_TIME_LIMIT_SECONDS"] = LIMIT

    def write_then_run_slow():
        db.session.add(Team(name="Written before the slow query"))
        db.session.flush()  # the row is in the database's transaction, to be rolled back
        return str(db.session.scalar(SLOW))

    app.add_url_rule("/test-slow", "test_slow", write_then_run_slow)
    app.add_url_rule("/api/test-slow", "api_test_slow", write_then_run_slow)
    return app


def test_a_runaway_query_answers_503_to_people_and_is_rolled_back(limited, client):
    response = client.get("/test-slow")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "That took too long" in page
    assert "took longer than the server allows (0.25 seconds) and was stopped" in page
    assert count(Team) == 0
    # The worker and its connection are free for the next request.
    assert client.get("/healthz").status_code == 200


def test_a_runaway_query_answers_json_to_api_clients(limited, client):
    response = client.get("/api/test-slow")
    assert response.status_code == 503
    body = response.get_json()
    assert body["error"] == "time_limit"
    assert "took longer than the server allows" in body["message"]
    assert count(Team) == 0


def test_the_error_is_named_and_still_an_operational_error(limited):
    with limited.test_request_context("/"):
        with pytest.raises(TimeLimitExceeded) as stopped:
            db.session.scalar(SLOW)
        db.session.rollback()
        assert db.session.scalar(text("SELECT 1")) == 1  # the connection works on
    assert isinstance(stopped.value, OperationalError)


def test_the_limit_is_per_call_so_a_stream_outlasts_it(limited):
    # Rows read in batches through one cursor, with pauses longer than the
    # limit between batches (a slow download): each batch is a call of its own.
    with limited.test_request_context("/"):
        result = db.session.execute(ROWS.execution_options(yield_per=500))
        read = []
        for batch in result.partitions():
            read += [n for (n,) in batch]
            if len(read) == 500:
                time.sleep(LIMIT * 1.5)
        assert read == list(range(1, 3001))
        db.session.rollback()


def test_no_limit_outside_requests(limited):
    # The command line (migrations, retention) is not limited: only requests are.
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        assert db.session.scalar(text("SHOW statement_timeout")) == "0"
        db.session.rollback()
        with limited.test_request_context("/"):
            assert db.session.scalar(text("SHOW statement_timeout")) == "250ms"
            db.session.rollback()
    else:
        db.session.scalar(text("SELECT 1"))
        assert db.session.connection().connection.dbapi_connection.deadline == float("inf")
    db.session.rollback()


def test_the_limit_comes_from_the_environment(make_app, monkeypatch):
    assert make_app().config["REQUEST_TIME_LIMIT_SECONDS"] == DEFAULT_SECONDS == 30
    monkeypatch.setenv("FIELDAPP_REQUEST_TIME_LIMIT_SECONDS", "2.5")
    assert make_app().config["REQUEST_TIME_LIMIT_SECONDS"] == 2.5
    assert make_app(REQUEST_TIME_LIMIT_SECONDS=1).config["REQUEST_TIME_LIMIT_SECONDS"] == 1


@pytest.mark.parametrize("raw", ["soon", "0", "-1", "nan", "100000"])
def test_a_bad_limit_names_the_variable(database_url, tmp_path, monkeypatch, raw):
    monkeypatch.setenv("FIELDAPP_REQUEST_TIME_LIMIT_SECONDS", raw)
    with pytest.raises(ConfigError, match="FIELDAPP_REQUEST_TIME_LIMIT_SECONDS must be"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path / "i")})
