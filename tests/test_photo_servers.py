"""Two `fieldapp serve` processes, each with its own instance folder, sharing one database: a photo
uploaded through one is served by the other (the bytes live in the database, not on one machine)."""

from __future__ import annotations

import hashlib
import json
import secrets
import urllib.error
import urllib.request
import uuid

import pytest

from tests.factories import stop_search
from tests.images import jpeg
from tests.servers import ServerProcess

PHOTO = jpeg(secrets.token_bytes(300_000))  # a real JPEG carrying bytes no other test sends


def call(server: ServerProcess, method: str, path: str, body: bytes | None = None, token: str | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request to ``server``: status, headers and body (errors included)."""
    request = urllib.request.Request(server.url + path, data=body, method=method, headers={
        **({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def post_json(server: ServerProcess, path: str, data: dict, token: str | None = None) -> dict:
    status, _, body = call(server, "POST", path, json.dumps(data).encode(), token,
                           {"Content-Type": "application/json"})
    assert status in {200, 201}, body
    return json.loads(body)


def sign_in(server: ServerProcess, username: str, password: str) -> str:
    """A device token for ``username``, from ``server``."""
    return post_json(server, "/api/auth/token", {"username": username, "password": password,
                                                 "device_name": "test"})["token"]


@pytest.mark.slow
def test_a_photo_uploaded_through_one_process_is_served_by_another(empty_database_url, tmp_path):
    shared = {"FIELDAPP_SECRET_KEY": secrets.token_urlsafe(48)}
    with ServerProcess(empty_database_url, tmp_path / "one", "--demo", workers=1, env=shared) as one, \
            ServerProcess(empty_database_url, tmp_path / "two", workers=1, env=shared) as two:
        password = one.demo_password()
        officer = sign_in(one, "officer1", password)
        entry = stop_search()
        assert post_json(one, "/api/sync/push", {"entries": [entry]}, officer)["results"][0]["status"] == "created"
        path = f"/api/entries/{entry['id']}/photos/{uuid.uuid4()}"
        status, _, body = call(one, "PUT", path, PHOTO, officer, {
            "Content-Type": "image/jpeg", "X-Content-SHA256": hashlib.sha256(PHOTO).hexdigest()})
        assert status == 201, body

        for reader in ("sergeant", "admin"):
            status, headers, body = call(two, "GET", path, token=sign_in(two, reader, password))
            assert status == 200 and body == PHOTO, reader
            assert headers["Content-Type"] == "image/jpeg" and headers["Cache-Control"] == "no-store"
            assert headers["X-Content-Type-Options"] == "nosniff"
    for instance in ("one", "two"):
        assert not (tmp_path / instance / "uploads").exists()
