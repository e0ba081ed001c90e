"""Serving the officer app: the shell page, its files, the manifest and the service worker.

Nothing served here carries a session secret or a CSRF token: the service
worker caches these responses, and the app authenticates to the API with a
device token kept in IndexedDB.
"""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, send_from_directory, url_for

from fieldapp.officer import bp
from fieldapp.officer.rules import field_rules
from fieldapp.officer.shell import SHELL_FILES, shell_version, static_dir

NO_CACHE = "no-cache"  # always revalidate; the service worker keeps the offline copy


def _version() -> str:
    return shell_version(current_app.config["RELEASE"])


@bp.get("/app")
def app_shell():
    """The officer app's one page."""
    response = Response(render_template("officer/app.html", version=_version(), rules=field_rules()))
    response.headers["Cache-Control"] = NO_CACHE
    return response


@bp.get("/app/static/<path:name>")
def app_file(name: str):
    """A shell file (a fixed list: nothing else in the folder is served)."""
    if name not in SHELL_FILES:
        abort(404)
    response = send_from_directory(static_dir(), name, max_age=0)
    response.headers["Cache-Control"] = NO_CACHE
    return response


@bp.get("/sw.js")
def service_worker():
    """The worker, served from the root so its scope covers /app; versioned by the shell's digest."""
    source = (static_dir() / "sw.js").read_text()
    files = ",\n  ".join(f"'/app/static/{name}'" for name in SHELL_FILES)
    source = source.replace("__SHELL_VERSION__", _version()).replace("'__SHELL_FILES__'", files)
    response = Response(source, mimetype="text/javascript")
    response.headers["Cache-Control"] = NO_CACHE
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: installable, standalone, starting at /app."""
    icons = [
        {"src": url_for("officer.app_file", name="icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        {"src": url_for("officer.app_file", name="icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        {"src": url_for("officer.app_file", name="icons/icon-maskable-512.png"), "sizes": "512x512",
         "type": "image/png", "purpose": "maskable"},
    ]
    body = {
        "name": "fieldapp officer notebook",
        "short_name": "fieldapp",
        "description": "Record street encounters and postbox rounds, with or without signal.",
        "id": "/app",
        "start_url": "/app",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#003a70",
        "icons": icons,
    }
    response = Response(__import__("json").dumps(body), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = NO_CACHE
    return response
