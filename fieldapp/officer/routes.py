"""Serving the officer app: the shell page, its files, the manifest and the service worker.

Nothing served here carries a session secret or a CSRF token: the service
worker caches these responses, and the app authenticates to the API with a
device token kept in IndexedDB.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, render_template, send_from_directory
from jinja2.utils import htmlsafe_json_dumps

from fieldapp.officer.rule_table import field_rules
from fieldapp.officer.shell import LAZY_FILES, SHELL_FILES, service_worker_source, shell_version, static_dir

bp = Blueprint("officer", __name__, template_folder="templates")

NO_CACHE = "no-cache"  # always revalidate; the service worker keeps the offline copy

MANIFEST = json.dumps({
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
    "icons": [
        {"src": "/app/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/app/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {"src": "/app/static/icons/icon-maskable-512.png", "sizes": "512x512", "type": "image/png",
         "purpose": "maskable"},
    ],
})


@bp.after_request
def _always_revalidate(response: Response) -> Response:
    response.headers["Cache-Control"] = NO_CACHE
    return response


def _release() -> str:
    """The release label and what else the page holds from the settings: a change makes phones update."""
    return f"{current_app.config['RELEASE']}|idle lock {current_app.config['IDLE_LOCK_MINUTES']}"


@bp.get("/app")
def app_shell():
    """The officer app's one page, with the field rules as compact JSON for its scripts.

    Which fields each form shows is written into the page's attributes (``rules["show"]``),
    so the scripts' copy leaves it out: the page is part of the shell every phone keeps.
    """
    rules = field_rules()
    for_scripts = {key: value for key, value in rules.items() if key != "show"}
    return render_template("officer/app.html", version=shell_version(_release()), rules=rules,
                           idle_lock_minutes=current_app.config["IDLE_LOCK_MINUTES"],
                           rules_json=htmlsafe_json_dumps(for_scripts, separators=(",", ":"), sort_keys=True))


@bp.get("/app/static/<path:name>")
def app_file(name: str):
    """A file of the shell or a lazy module (fixed lists: nothing else in the folder is served)."""
    if name not in SHELL_FILES and name not in LAZY_FILES:
        abort(404)
    return send_from_directory(static_dir(), name, max_age=0)


@bp.get("/sw.js")
def service_worker():
    """The worker, served from the root so its scope covers /app; versioned by the shell's digest."""
    response = Response(service_worker_source(_release()), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: installable, standalone, starting at /app."""
    return Response(MANIFEST, mimetype="application/manifest+json")
