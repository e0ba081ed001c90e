"""The application factory, the database settings and the health check."""

from sqlalchemy import text

from fieldapp.extensions import db


def test_config_overrides_apply(make_app):
    app = make_app(TOKEN_MAX_AGE=1)
    assert app.testing and app.config["TOKEN_MAX_AGE"] == 1


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app, postgres_url):
    if postgres_url:
        return  # PostgreSQL has neither setting
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_does_not(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


def test_wsgi_module_exposes_the_app(monkeypatch, tmp_path):
    import importlib
    import sys

    monkeypatch.setenv("FIELDAPP_INSTANCE_PATH", str(tmp_path))
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[1]))
    try:
        sys.modules.pop("wsgi", None)
        wsgi = importlib.import_module("wsgi")
    finally:
        sys.path.pop(0)
    assert wsgi.app.name == "fieldapp"
    assert [n for n in vars(wsgi) if not n.startswith("__")] == ["create_app", "app"]


def test_unknown_pages_get_a_page_and_api_paths_get_json(client):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and b"<html" in page.data
    api = client.get("/api/no-such-thing")
    assert api.status_code == 404
    assert api.json["error"] == "not_found" and api.json["message"]


def test_method_not_allowed_keeps_the_allow_header(client):
    response = client.get("/api/sync/push")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    assert response.json["error"] == "method_not_allowed"
