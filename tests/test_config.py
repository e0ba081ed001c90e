"""Configuration from the environment: defaults, the secret key file, and clear errors."""

import os
import stat

import pytest

from fieldapp import ConfigError, create_app
from fieldapp.config import load


def test_defaults_use_sqlite_in_the_instance_folder(tmp_path):
    config = load({}, tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'fieldapp.sqlite3'}"
    assert config["TOKEN_MAX_AGE"].days == 30


def test_secret_key_is_generated_once_with_mode_0600(tmp_path):
    first = load({}, tmp_path)["SECRET_KEY"]
    second = load({}, tmp_path)["SECRET_KEY"]
    assert first == second and len(first) >= 32
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".secret_key")]


def test_secret_key_from_the_environment_wins(tmp_path):
    key = "k" * 40
    assert load({"FIELDAPP_SECRET_KEY": key}, tmp_path)["SECRET_KEY"] == key
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"FIELDAPP_SECRET_KEY": "short"}, "FIELDAPP_SECRET_KEY"),
        ({"FIELDAPP_TOKEN_MAX_AGE_DAYS": "thirty"}, "FIELDAPP_TOKEN_MAX_AGE_DAYS"),
        ({"FIELDAPP_TOKEN_MAX_AGE_DAYS": "0"}, "FIELDAPP_TOKEN_MAX_AGE_DAYS"),
        ({"FIELDAPP_DATABASE_URL": "not a url"}, "FIELDAPP_DATABASE_URL"),
        ({"FIELDAPP_DATABASE_URL": "mysql://u@h/db"}, "FIELDAPP_DATABASE_URL"),
        ({"FIELDAPP_SECURE_COOKIES": "maybe"}, "FIELDAPP_SECURE_COOKIES"),
        ({"FIELDAPP_RETENTION_ENCOUNTER_DAYS": "-1"}, "FIELDAPP_RETENTION_ENCOUNTER_DAYS"),
    ],
)
def test_a_bad_value_names_its_variable(tmp_path, environ, named):
    with pytest.raises(ConfigError, match=named):
        load(environ, tmp_path)


def test_postgresql_urls_get_the_psycopg_driver(tmp_path):
    url = load({"FIELDAPP_DATABASE_URL": "postgresql://app@db.example/fieldapp"}, tmp_path)
    assert url["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://app@db.example/fieldapp"


def test_instance_path_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAPP_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app()
    assert app.instance_path == str(tmp_path / "inst")
    assert (tmp_path / "inst" / "secret_key").exists()


def test_factory_raises_config_error(monkeypatch, tmp_path):
    monkeypatch.setenv("FIELDAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("FIELDAPP_TOKEN_MAX_AGE_DAYS", "x")
    with pytest.raises(ConfigError, match="FIELDAPP_TOKEN_MAX_AGE_DAYS"):
        create_app()


def test_the_migration_url_is_optional(tmp_path):
    assert load({}, tmp_path)["MIGRATION_DATABASE_URI"] is None
    app_url = "postgresql://app:apppw@db.example/fieldapp"
    assert load({"FIELDAPP_DATABASE_URL": app_url}, tmp_path)["MIGRATION_DATABASE_URI"] is None


def test_the_migration_url_gets_the_psycopg_driver(tmp_path):
    config = load({"FIELDAPP_DATABASE_URL": "postgresql://app@db.example/fieldapp",
                   "FIELDAPP_MIGRATION_DATABASE_URL": "postgres://owner:pw@localhost/fieldapp"}, tmp_path)
    assert config["MIGRATION_DATABASE_URI"] == "postgresql+psycopg://owner:pw@localhost/fieldapp"


@pytest.mark.parametrize(
    "owner, problem",
    [
        ("postgresql://owner:ownerpw@db.example/other", "names the database 'other'"),
        ("sqlite:////tmp/fieldapp.sqlite3", "is a sqlite database"),
        ("mysql://owner:ownerpw@db.example/fieldapp", "only sqlite and postgresql"),
        ("not a url", "is not a database URL"),
    ],
)
def test_a_migration_url_of_another_database_is_one_clear_line(tmp_path, owner, problem):
    with pytest.raises(ConfigError) as caught:
        load({"FIELDAPP_DATABASE_URL": "postgresql://app:apppw@db.example/fieldapp",
              "FIELDAPP_MIGRATION_DATABASE_URL": owner}, tmp_path)
    message = str(caught.value)
    assert "FIELDAPP_MIGRATION_DATABASE_URL" in message and problem in message
    assert "\n" not in message and "apppw" not in message and "ownerpw" not in message
