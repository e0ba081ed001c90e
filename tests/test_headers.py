"""Security headers (fieldapp/security.py): on every response, and no-store on everything personal."""

import hashlib
import re
import struct
import uuid
import zlib
from pathlib import Path

import pytest

from fieldapp.security import CONTENT_SECURITY_POLICY
from tests.factories import stop_search


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


#: A real 1x1 grey PNG (the server checks a photo's whole structure, not only its signature).
PNG = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))

EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@pytest.fixture
def world(client, supervisor, officer, sign_in_device):
    """The sergeant signed in on ``client``; PC1's stop and search, with a photo, on the server."""
    entry = stop_search()
    officer.push(entry)
    photo_id = str(uuid.uuid4())
    response = officer.put(f"/api/entries/{entry['id']}/photos/{photo_id}", data=PNG, headers={
        "Content-Type": "image/png", "X-Content-SHA256": hashlib.sha256(PNG).hexdigest()})
    assert response.status_code == 201
    return {"entry": entry["id"], "photo": photo_id, "officer": officer, "web": client,
            "admin_phone": sign_in_device("admin9", role="admin")}


def web(world, path, **kwargs):
    return world["web"].get(path, **kwargs)


def phone(world, path, **kwargs):
    return world["officer"].get(path, **kwargs)


#: (name, how to ask, expected status, expected Cache-Control)
RESPONSES = [
    ("review queue", lambda w: web(w, "/review"), 200, "no-store"),
    ("entry page", lambda w: web(w, f"/review/{w['entry']}"), 200, "no-store"),
    ("photo on the web", lambda w: web(w, f"/review/{w['entry']}/photos/{w['photo']}"), 200, "no-store"),
    ("export", lambda w: web(w, "/exports/encounter.csv"), 200, "no-store"),
    ("national export", lambda w: web(w, "/exports/stop-search.csv?from=2025-01-01&to=2025-12-31"), 200, "no-store"),
    ("export refused", lambda w: web(w, "/exports/stop-search.csv"), 400, "no-store"),
    ("export list", lambda w: web(w, "/exports"), 200, "no-store"),
    ("report", lambda w: web(w, "/reports"), 200, "no-store"),
    ("api entries", lambda w: phone(w, "/api/entries"), 200, "no-store"),
    ("api entry", lambda w: phone(w, f"/api/entries/{w['entry']}"), 200, "no-store"),
    ("api pull", lambda w: phone(w, "/api/sync/pull"), 200, "no-store"),
    ("api me", lambda w: phone(w, "/api/me"), 200, "no-store"),
    ("api photo", lambda w: w["admin_phone"].get(f"/api/entries/{w['entry']}/photos/{w['photo']}"),
     200, "no-store"),
    # The reference document revalidates by its ETag: private, never stored by a shared cache.
    ("api reference", lambda w: phone(w, "/api/reference"), 200, "no-cache, private"),
    ("api without a token", lambda w: w["web"].get("/api/entries", headers={"Accept": "application/json"}),
     401, "no-store"),
    ("healthz", lambda w: web(w, "/healthz"), 200, "no-store"),
    ("404 page", lambda w: web(w, "/no-such-page"), 404, "no-store"),
    ("404 json", lambda w: phone(w, "/api/entries/not-a-uuid/nothing"), 404, "no-store"),
    ("400 page", lambda w: web(w, "/review?q=%00"), 400, "no-store"),
    ("405", lambda w: w["web"].post("/healthz"), 405, "no-store"),
    # The officer app's shell revalidates (its service worker keeps the offline copy): theirs is kept.
    ("officer app page", lambda w: web(w, "/app"), 200, "no-cache"),
    ("service worker", lambda w: web(w, "/sw.js"), 200, "no-cache"),
    ("shell script", lambda w: web(w, "/app/static/js/app.js"), 200, "no-cache"),
    ("manifest", lambda w: web(w, "/manifest.webmanifest"), 200, "no-cache"),
]


@pytest.mark.parametrize(("name", "ask", "status", "cache_control"), RESPONSES, ids=[r[0] for r in RESPONSES])
def test_every_response_carries_the_headers(world, name, ask, status, cache_control):
    response = ask(world)
    assert response.status_code == status, name
    assert response.headers.get("Content-Security-Policy") == EXPECTED_CSP
    assert response.headers.get("X-Frame-Options") == "DENY"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") == "same-origin"
    assert response.headers.get("Cache-Control") == cache_control
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: no HSTS


def test_the_sign_in_page_is_not_stored(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") == "no-store"  # it carries a CSRF token
    assert response.headers.get("Content-Security-Policy") == EXPECTED_CSP
    assert response.headers.get("X-Frame-Options") == "DENY"


def test_the_stylesheet_may_be_cached(client):
    response = client.get("/static/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Content-Security-Policy") == EXPECTED_CSP


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers.get("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
    assert client.get("/no-such-page", base_url="https://localhost").headers.get(
        "Strict-Transport-Security") == "max-age=31536000; includeSubDomains"


def test_the_policy_allows_no_inline_script_or_style():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY and "'unsafe-eval'" not in CONTENT_SECURITY_POLICY
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def test_no_template_has_inline_script_style_or_handler():
    """The policy refuses them: a template that grows one breaks in the browser, so catch it here."""
    root = Path(__file__).resolve().parent.parent / "fieldapp"
    inline = re.compile(r"""\sstyle\s*=|<style\b|\son[a-z]+\s*=|javascript:|<script(?![^>]*\b(src=|type="application/json"))""",
                        re.IGNORECASE)
    found = [f"{path.relative_to(root)}:{number}: {line.strip()}"
             for path in root.rglob("*.html")
             for number, line in enumerate(path.read_text().splitlines(), 1) if inline.search(line)]
    assert found == []
