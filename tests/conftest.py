"""Fixtures shared by the whole suite.

Every database test runs on SQLite (a fresh file per test) and, when
``FIELDAPP_TEST_DATABASE_URL`` is set, on PostgreSQL instead: a throwaway
database is created on that server for the session and emptied after each
test. Factory fixtures return callables (``create_user(...)``).
"""

from __future__ import annotations

import os
import re
import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import func, select, text

from fieldapp import create_app
from fieldapp.extensions import db
from fieldapp.models import Entry
from tests.servers import create_database, drop_database

TEST_PASSWORD = "correct horse battery"
PG_URL = os.environ.get("FIELDAPP_TEST_DATABASE_URL", "").strip()


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FIELDAPP_* setting of the machine leaks into a test."""
    for name in list(os.environ):
        if name.startswith("FIELDAPP_") and name != "FIELDAPP_TEST_DATABASE_URL":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this session, or None when testing on SQLite."""
    if not PG_URL:
        yield None
        return
    with fresh_database(PG_URL, Path()) as url:
        yield url


@pytest.fixture(scope="session")
def _postgres_schema(postgres_url: str | None, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Create the tables once per session on PostgreSQL."""
    if postgres_url is None:
        return
    app = create_app({"SQLALCHEMY_DATABASE_URI": postgres_url, "TESTING": True,
                      "INSTANCE_PATH": str(tmp_path_factory.mktemp("schema"))})
    with app.app_context():
        db.create_all()
        db.engine.dispose()


def _empty_postgres(app) -> None:
    """Empty every table, audit log included (its triggers are bypassed for the test only)."""
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@contextmanager
def fresh_database(postgres_url: str | None, directory: Path) -> Iterator[str]:
    """A database with no tables at all: a new SQLite file, or a new PostgreSQL database (dropped after)."""
    if postgres_url is None:
        yield f"sqlite:///{directory / f'empty-{secrets.token_hex(3)}.sqlite3'}"
        return
    url = create_database(postgres_url, "fieldapp_empty")
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def empty_database_url(postgres_url: str | None, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, private to this test."""
    with fresh_database(postgres_url, tmp_path) as url:
        yield url


@pytest.fixture
def database_url(postgres_url: str | None, _postgres_schema: None, tmp_path: Path) -> str:
    """The URL of an empty database with the schema, private to this test."""
    return postgres_url or f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def make_app(database_url: str, tmp_path: Path) -> Iterator[Callable]:
    """Build an app on the test's database; several may share it (two app processes)."""
    apps = []

    def make(**config):
        settings = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            **config,
        }
        app = create_app(settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app, postgres_url):
    """The app, with the schema created, an app context pushed while the test runs."""
    app = make_app()

    @app.teardown_request
    def _forget_request_globals(_exc):
        # Requests share the test's app context, and with it ``g``: Flask-Login
        # and Flask-WTF cache the user and the CSRF token there. Forget them
        # so that each request starts as it would in production.
        g.pop("_login_user", None)
        g.pop("csrf_token", None)
        g.pop("principal", None)

    with app.app_context():
        if postgres_url is None:
            db.create_all()
        yield app
        db.session.remove()
        if postgres_url is not None:
            _empty_postgres(app)


@pytest.fixture
def client(app):
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner bound to ``app``."""
    return app.test_cli_runner()


@pytest.fixture
def create_user(app) -> Callable:
    """Factory: ``create_user("pc1", role="officer", team="Team A")`` commits and returns the user."""
    from fieldapp.accounts.operations import create_user as create

    def make(username: str | None = None, *, role: str = "officer", team: str = "Rose Hill",
             password: str = TEST_PASSWORD, **kwargs):
        return create(username or f"user{uuid.uuid4().hex[:8]}", password, role=role,
                      team_name=team, **kwargs)

    return make


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def count(model, *where) -> int:
    """How many rows of ``model`` there are (matching ``where``)."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def stored(entry: dict) -> Entry:
    """The server's row of a pushed entry (None if it was not stored)."""
    return db.session.get(Entry, uuid.UUID(entry["id"]))


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the form on ``path``."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_INPUT.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class AuthActions:
    """Sign in and out through the real forms, CSRF tokens included."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = TEST_PASSWORD, **kwargs):
        token = csrf_token(self.client, "/login")
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": token}, **kwargs)

    def logout(self):
        # Every page for people carries the sign-out form; a 404 page exists for every role.
        token = csrf_token(self.client, "/no-such-page")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client) -> AuthActions:
    """Sign-in helper for ``client``."""
    return AuthActions(client)
