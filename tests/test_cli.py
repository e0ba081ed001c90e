"""The ``fieldapp`` command: every subcommand, its errors, and a real ``serve --demo``."""

import socket
import urllib.request
from http.cookiejar import CookieJar

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from fieldapp.cli import main
from fieldapp.demo import TEAM
from tests.fixtures.web import CSRF_INPUT
from tests.servers import ServerProcess, free_port


@pytest.fixture
def cli(empty_database_url, tmp_path):
    """Invoke ``fieldapp ...`` in-process against an empty database."""
    env = {"FIELDAPP_DATABASE_URL": empty_database_url, "FIELDAPP_INSTANCE_PATH": str(tmp_path / "inst")}

    def invoke(*args, input=None, extra_env=None):
        return CliRunner().invoke(main, list(args), input=input, env={**env, **(extra_env or {})},
                                  catch_exceptions=False)

    return invoke


def count(url, sql):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def test_help_lists_every_command(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("serve", "init-db", "create-user", "db"):
        assert f"  {command} " in result.output


def test_init_db_creates_the_schema_and_is_repeatable(cli, empty_database_url):
    first = cli("init-db")
    assert first.exit_code == 0, first.output
    assert "up to date" in first.output
    assert cli("init-db").exit_code == 0
    assert count(empty_database_url, "SELECT count(*) FROM users") == 0


def test_create_user_reads_the_password_from_stdin(cli, empty_database_url):
    cli("init-db")
    result = cli("create-user", "PC42", "--role", "officer", "--team", "Rose Hill",
                 "--display-name", "PC Forty-Two", input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "Created officer 'pc42' in team 'Rose Hill'" in result.output
    assert "a long enough password" not in result.output
    engine = create_engine(empty_database_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT username, display_name, role, password_hash FROM users")).one()
    engine.dispose()
    assert row[:3] == ("pc42", "PC Forty-Two", "officer")
    assert row[3].startswith("scrypt:")


def test_create_user_is_in_the_audit_log_with_its_new_team(cli, empty_database_url):
    cli("init-db")
    cli("create-user", "boss", "--role", "admin", "--team", "HQ", input="a long enough password\n")
    cli("create-user", "deputy", "--role", "admin", "--team", "HQ", input="a long enough password\n")
    engine = create_engine(empty_database_url)
    with engine.connect() as conn:
        logged = conn.execute(text("SELECT action, record_type, detail FROM audit_events ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in logged] == [
        ("collect", "team", "team created from the command line: HQ"),
        ("collect", "user", "user created from the command line: boss, role admin, team HQ"),
        ("collect", "user", "user created from the command line: deputy, role admin, team HQ"),
    ]


def test_create_user_has_no_password_option(cli):
    cli("init-db")
    result = CliRunner().invoke(main, ["create-user", "x", "--role", "officer", "--team", "T",
                                       "--password", "secret12345"])
    assert result.exit_code == 2 and "No such option" in result.output


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["pc1", "--role", "officer", "--team", "T"], "short\n", "at least 10 characters"),
        (["bad name!", "--role", "officer", "--team", "T"], "long enough pass\n", "A username is"),
        (["pc1", "--role", "chief", "--team", "T"], "long enough pass\n", "Invalid value for '--role'"),
    ],
)
def test_create_user_refuses_bad_input(cli, args, password, message):
    cli("init-db")
    result = cli("create-user", *args, input=password)
    assert result.exit_code != 0
    assert message in result.output


def test_create_user_refuses_a_duplicate(cli):
    cli("init-db")
    cli("create-user", "pc1", "--role", "officer", "--team", "T", input="long enough pass\n")
    result = cli("create-user", "PC1", "--role", "admin", "--team", "T", input="long enough pass\n")
    assert result.exit_code == 1
    assert "already a user called 'pc1'" in result.output


def test_a_bad_setting_is_one_clear_line(cli):
    result = cli("init-db", extra_env={"FIELDAPP_TOKEN_MAX_AGE_DAYS": "soon"})
    assert result.exit_code == 1
    assert result.output.strip() == "Error: FIELDAPP_TOKEN_MAX_AGE_DAYS must be a whole number, got 'soon'."


def test_serve_with_a_bad_database_url(cli):
    result = cli("serve", "--port", str(free_port()), extra_env={"FIELDAPP_DATABASE_URL": "::nonsense::"})
    assert result.exit_code == 1
    assert result.output.startswith("Error: FIELDAPP_DATABASE_URL is not a database URL")
    assert len(result.output.strip().splitlines()) == 1


def test_serve_with_an_unreachable_database(cli):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=2"
    result = cli("serve", "--port", str(free_port()), extra_env={"FIELDAPP_DATABASE_URL": url})
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot use the database at postgresql+psycopg://nobody@127.0.0.1:1/")


def test_serve_when_the_port_is_taken(cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--port", str(port))
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: cannot listen on 127.0.0.1:{port}: Address already in use."


def sign_in(base_url, username, password):
    """Sign in over HTTP with a cookie jar, as a browser would; return the home page."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = opener.open(f"{base_url}/login").read().decode()
    token = CSRF_INPUT.search(page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token})
    return opener.open(f"{base_url}/login", data=data.encode()).read().decode()


@pytest.mark.slow
def test_serve_demo_starts_for_real_and_seeds_once(empty_database_url, tmp_path):
    with ServerProcess(empty_database_url, tmp_path / "inst", "--demo") as server:
        password = server.demo_password()
        for username in ("officer1", "officer2", "sergeant", "admin"):
            assert f"  {username}" in server.output
        with urllib.request.urlopen(f"{server.url}/healthz") as response:
            assert response.status == 200
        assert 'data-testid="encounter-form"' in sign_in(server.url, "officer1", password)  # sent to /app
        assert "PS Jo Hughes" in sign_in(server.url, "sergeant", password)
    with ServerProcess(empty_database_url, tmp_path / "inst", "--demo") as again:
        assert again.demo_password() == password
    assert count(empty_database_url, "SELECT count(*) FROM users") == 4
    assert count(empty_database_url, "SELECT count(*) FROM teams") == 1
    assert count(empty_database_url, "SELECT count(*) FROM postboxes") == 4
    assert count(empty_database_url, "SELECT count(DISTINCT site_type) FROM postbox_placements") == 3
    assert count(empty_database_url, f"SELECT count(*) FROM teams WHERE name = '{TEAM}'") == 1


@pytest.mark.slow
def test_serve_without_users_says_how_to_create_one(empty_database_url, tmp_path):
    with ServerProcess(empty_database_url, tmp_path / "inst", workers=1) as server:
        pass
    assert "fieldapp create-user USERNAME --role admin" in server.output


def test_a_postgresql_url_without_the_driver_says_what_to_install(tmp_path):
    # As after a plain `pip install .`: psycopg (the `postgres` extra) is not importable.
    import subprocess
    import sys

    script = "import sys; sys.modules['psycopg'] = None; from fieldapp.cli import main; main()"
    result = subprocess.run([sys.executable, "-c", script, "init-db"], capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "FIELDAPP_INSTANCE_PATH": str(tmp_path / "inst"),
                                 "FIELDAPP_DATABASE_URL": "postgresql://fieldapp@127.0.0.1/fieldapp"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "Error: FIELDAPP_DATABASE_URL is a PostgreSQL database, but its driver is not installed: "
        "run pip install 'fieldapp[postgres]'."]
