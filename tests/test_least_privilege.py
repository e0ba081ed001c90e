"""Least privilege on PostgreSQL: migrations as the owner (FIELDAPP_MIGRATION_DATABASE_URL), the app
as a role that can use the tables but not change them, nor undo the audit log's append-only triggers."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import g
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from fieldapp import create_app
from fieldapp.cli import main
from fieldapp.extensions import db
from tests.factories import stop_search
from tests.fixtures.app import PG_URL, TEST_PASSWORD
from tests.fixtures.web import AuthActions, csrf_token
from tests.servers import create_database, drop_database

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL only: set FIELDAPP_TEST_DATABASE_URL")


@dataclass
class Setup:
    owner_url: str
    app_url: str
    owner: str
    app_role: str
    instance: Path
    init_output: str


def _admin_engine():
    url = make_url(PG_URL)
    if url.drivername in {"postgresql", "postgres"}:
        url = url.set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _init_db(owner_url: str | None, app_url: str, instance: Path):
    env = {"FIELDAPP_DATABASE_URL": app_url, "FIELDAPP_INSTANCE_PATH": str(instance),
           "FIELDAPP_MIGRATION_DATABASE_URL": owner_url or ""}
    return CliRunner().invoke(main, ["init-db"], env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def roles(tmp_path_factory) -> Iterator[Setup]:
    """Two throwaway LOGIN roles and a database the first owns, migrated as it with init-db."""
    suffix = secrets.token_hex(4)
    owner, app_role = f"fieldapp_owner_{suffix}", f"fieldapp_app_{suffix}"
    owner_password, app_password = f"ownerpw{suffix}", f"apppw{suffix}"
    admin = _admin_engine()
    database_url = None
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE ROLE \"{owner}\" LOGIN PASSWORD '{owner_password}'")
            conn.exec_driver_sql(f"CREATE ROLE \"{app_role}\" LOGIN PASSWORD '{app_password}'")
        database_url = create_database(PG_URL, "fieldapp_lp")
        name = make_url(database_url).database
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" OWNER TO "{owner}"')
        # Before PostgreSQL 15 the database's owner does not own its schema public (see the README).
        schema_admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        try:
            with schema_admin.connect() as conn:
                if conn.dialect.server_version_info < (15,):
                    conn.exec_driver_sql(f'ALTER SCHEMA public OWNER TO "{owner}"')
                    conn.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        finally:
            schema_admin.dispose()
        base = make_url(database_url)
        owner_url = base.set(username=owner, password=owner_password).render_as_string(hide_password=False)
        app_url = base.set(username=app_role, password=app_password).render_as_string(hide_password=False)
        instance = tmp_path_factory.mktemp("least_privilege")
        result = _init_db(owner_url, app_url, instance)
        assert result.exit_code == 0, result.output
        yield Setup(owner_url, app_url, owner, app_role, instance, result.output)
    finally:
        if database_url is not None:
            drop_database(database_url)
        with admin.connect() as conn:
            for role in (app_role, owner):
                exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
                if exists:
                    conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                    conn.exec_driver_sql(f'DROP ROLE "{role}"')
        admin.dispose()


def _as(url: str, sql: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


def _scalar(url: str, sql: str, **params):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def test_init_db_migrates_as_the_owner_and_prints_no_password(roles):
    assert "up to date" in roles.init_output
    assert "pw" not in roles.init_output.replace("***", "")
    owners = _scalar(roles.owner_url, "SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables "
                                      "WHERE schemaname = 'public'")
    assert owners == roles.owner
    assert _scalar(roles.owner_url, "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                                    "WHERE r.rolname = :role", role=roles.app_role) == 0


def test_the_app_role_has_exactly_its_privileges(roles):
    def privileges(table: str) -> set[str]:
        listed = _scalar(roles.owner_url, "SELECT string_agg(privilege_type, ',') FROM "
                                          "information_schema.role_table_grants WHERE grantee = :role "
                                          "AND table_name = :table", role=roles.app_role, table=table)
        return set((listed or "").split(",")) - {""}

    assert privileges("audit_events") == {"SELECT", "INSERT"}
    assert privileges("alembic_version") == {"SELECT"}
    assert privileges("entries") == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    tables = _scalar(roles.owner_url, "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'")
    for table in tables.split(","):
        assert "TRUNCATE" not in privileges(table), table
        assert privileges(table) >= {"SELECT"}, table


def test_the_app_works_end_to_end_as_the_limited_role(roles):
    from fieldapp.accounts.operations import create_user

    app = create_app({"SQLALCHEMY_DATABASE_URI": roles.app_url, "TESTING": True,
                      "INSTANCE_PATH": str(roles.instance)})

    @app.teardown_request
    def _forget_request_globals(_exc):  # as tests/fixtures/app.py: requests share this test's app context
        for name in ("_login_user", "csrf_token", "principal"):
            g.pop(name, None)

    with app.app_context():
        try:
            assert _scalar(roles.app_url, "SELECT current_user") == roles.app_role
            for username, role in (("pc1", "officer"), ("sarge", "supervisor"), ("boss", "admin")):
                create_user(f"{username}", TEST_PASSWORD, role=role, team_name="Rose Hill")
            client = app.test_client()
            response = client.post("/api/auth/token", json={"username": "pc1", "password": TEST_PASSWORD,
                                                            "device_name": "Test phone"})
            assert response.status_code == 201, response.get_json()
            headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
            entry = stop_search()
            pushed = client.post("/api/sync/push", json={"entries": [entry]}, headers=headers)
            assert pushed.status_code == 200, pushed.get_json()
            assert client.get("/api/sync/pull", headers=headers).status_code == 200

            sarge = app.test_client()
            assert AuthActions(sarge).login("sarge").status_code == 302
            decided = sarge.post(f"/review/{entry['id']}", data={
                "csrf_token": csrf_token(sarge, "/review"), "decision": "approved",
                "grounds_assessment": "reasonable", "bwv_viewed": "y", "entry_version": "1"})
            assert decided.status_code == 302, decided.get_data(as_text=True)[:500]
            assert sarge.get("/review", query_string={"q": "cannabis"}).status_code == 200

            boss = app.test_client()
            assert AuthActions(boss).login("boss").status_code == 302
            page = boss.get("/audit")
            assert page.status_code == 200
            assert "review: approved" in page.get_data(as_text=True)
            assert boss.get("/audit/export.csv").status_code == 200
            assert boss.get("/healthz").status_code == 200
        finally:
            db.session.remove()
            db.engine.dispose()


def test_the_retention_command_runs_as_the_limited_role(roles):
    env = {"FIELDAPP_DATABASE_URL": roles.app_url, "FIELDAPP_INSTANCE_PATH": str(roles.instance),
           "FIELDAPP_RETENTION_ENCOUNTER_DAYS": "1"}
    app = create_app({"SQLALCHEMY_DATABASE_URI": roles.app_url, "INSTANCE_PATH": str(roles.instance)})
    with app.app_context():
        try:
            from fieldapp.models import Entry

            entry = db.session.scalar(select(Entry).limit(1))
            if entry is not None:  # make it due: the owner's UPDATE is no trick, the app may update entries
                db.session.execute(text("UPDATE entries SET occurred_at = occurred_at - interval '30 days'"))
                db.session.commit()
        finally:
            db.session.remove()
            db.engine.dispose()
    result = CliRunner().invoke(main, ["retention", "--apply"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert _scalar(roles.app_url, "SELECT count(*) FROM entries") == 0
    assert _scalar(roles.app_url, "SELECT count(*) FROM audit_events WHERE action = 'erase'") >= 1


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET detail = 'rewritten'",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events",
    "ALTER TABLE audit_events DISABLE TRIGGER ALL",
    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
    "DROP TRIGGER audit_events_append_only ON audit_events",
    "DROP TABLE audit_events",
    "SET session_replication_role = replica",
    "UPDATE alembic_version SET version_num = 'x'",
    "DELETE FROM alembic_version",
    "TRUNCATE entries",
])
def test_the_app_role_cannot_touch_the_audit_log(roles, statement):
    with pytest.raises(ProgrammingError) as caught:
        _as(roles.app_url, statement)
    assert caught.value.orig.sqlstate in {"42501"}, caught.value  # insufficient_privilege


def test_the_app_role_cannot_create_tables(roles):
    with pytest.raises(ProgrammingError) as caught:
        _as(roles.app_url, "CREATE TABLE public.mine (id int)")
    assert caught.value.orig.sqlstate == "42501"


def test_the_owner_still_can_and_the_triggers_still_stand(roles):
    """The owner is not limited (it migrates); the triggers refuse even it an UPDATE."""
    with pytest.raises(Exception, match="append-only"):
        _as(roles.owner_url, "UPDATE audit_events SET detail = 'x'")


def test_a_table_of_a_later_migration_is_granted_too(roles):
    _as(roles.owner_url, "CREATE TABLE later_table (id serial PRIMARY KEY, note text)")
    result = _init_db(roles.owner_url, roles.app_url, roles.instance)
    assert result.exit_code == 0, result.output
    _as(roles.app_url, "INSERT INTO later_table (note) VALUES ('x')")
    _as(roles.app_url, "UPDATE later_table SET note = 'y'")
    _as(roles.app_url, "DELETE FROM later_table")
    with pytest.raises(ProgrammingError):
        _as(roles.app_url, "TRUNCATE later_table")
    _as(roles.owner_url, "DROP TABLE later_table")


def test_an_app_role_that_owns_a_table_is_refused_in_one_line(roles):
    _as(roles.owner_url, f'GRANT CREATE ON SCHEMA public TO "{roles.app_role}"')
    try:
        _as(roles.app_url, "CREATE TABLE mine (id int)")
        result = _init_db(roles.owner_url, roles.app_url, roles.instance)
        assert result.exit_code != 0
        [line] = result.output.strip().splitlines()
        assert "owns mine" in line and "REASSIGN OWNED" in line
        assert "pw" not in line
    finally:
        _as(roles.app_url, "DROP TABLE IF EXISTS mine")
        _as(roles.owner_url, f'REVOKE CREATE ON SCHEMA public FROM "{roles.app_role}"')


def test_the_same_role_in_both_settings_is_just_a_migration(tmp_path):
    url = create_database(PG_URL, "fieldapp_lp_same")
    try:
        result = _init_db(url, url, tmp_path)
        assert result.exit_code == 0, result.output
        assert _scalar(url, "SELECT count(*) FROM users") == 0
    finally:
        drop_database(url)


@pytest.mark.parametrize("other", ["other_database", "sqlite"])
def test_a_migration_url_of_another_database_is_refused(tmp_path, other):
    app_url = f"postgresql+psycopg://app:secretpw@127.0.0.1/fieldapp_{uuid.uuid4().hex[:6]}"
    owner_url = ("postgresql+psycopg://owner:ownersecret@127.0.0.1/elsewhere" if other == "other_database"
                 else f"sqlite:///{tmp_path / 'x.sqlite3'}")
    result = _init_db(owner_url, app_url, tmp_path)
    assert result.exit_code != 0
    [line] = result.output.strip().splitlines()
    assert "FIELDAPP_MIGRATION_DATABASE_URL" in line and "same database" in line
    assert "secretpw" not in line and "ownersecret" not in line


def test_the_app_role_verifies_the_chain_and_finds_what_the_owner_changed(roles):
    # Runs last in this module: it leaves the audit log of the shared database tampered with.
    env = {"FIELDAPP_DATABASE_URL": roles.app_url, "FIELDAPP_INSTANCE_PATH": str(roles.instance)}
    intact = CliRunner().invoke(main, ["audit", "verify"], env=env)
    assert intact.exit_code == 0 and intact.output.startswith("Audit chain intact: "), intact.output
    engine = create_engine(roles.owner_url)
    try:
        with engine.begin() as conn:  # what only the owner can do: lift the triggers, change an event
            conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
            conn.exec_driver_sql("UPDATE audit_events SET detail = 'nothing happened' WHERE seq = 1")
            conn.exec_driver_sql("ALTER TABLE audit_events ENABLE TRIGGER USER")
    finally:
        engine.dispose()
    broken = CliRunner().invoke(main, ["audit", "verify"], env=env)
    assert broken.exit_code == 1 and "Audit chain BROKEN: event #1 (id " in broken.output, broken.output
