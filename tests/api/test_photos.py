"""Photos: uploaded by the entry's author, idempotent by id and digest, read by supervisors."""

import hashlib
import uuid

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Photo
from tests.factories import stop_search

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 64


def put(device, entry_id, photo_id, data, content_type="image/png", digest=None):
    return device.put(f"/api/entries/{entry_id}/photos/{photo_id}", data=data, headers={
        "Content-Type": content_type, "X-Content-SHA256": digest or hashlib.sha256(data).hexdigest()})


@pytest.fixture
def entry(officer):
    entry = stop_search()
    officer.push(entry)
    return entry["id"]


def test_upload_then_retry_then_clash(officer, entry, app):
    photo_id = str(uuid.uuid4())
    first = put(officer, entry, photo_id, PNG)
    assert first.status_code == 201
    assert first.get_json() == {"id": photo_id, "entry_id": entry, "content_type": "image/png",
                                "size": len(PNG), "sha256": hashlib.sha256(PNG).hexdigest()}
    assert put(officer, entry, photo_id, PNG).status_code == 200
    assert put(officer, entry, photo_id, JPEG, "image/jpeg").status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Photo)) == 1


def test_digest_mismatch_is_422(officer, entry):
    response = put(officer, entry, uuid.uuid4(), PNG, digest="0" * 64)
    assert response.status_code == 422 and response.get_json()["error"] == "digest_mismatch"


@pytest.mark.parametrize(("data", "content_type", "status"), [
    (PNG, "image/gif", 415), (PNG, "application/octet-stream", 415), (JPEG, "image/png", 400),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp", 201),
])
def test_types_and_real_formats(officer, entry, data, content_type, status):
    assert put(officer, entry, uuid.uuid4(), data, content_type).status_code == status


def test_missing_digest_header_is_400(officer, entry):
    response = officer.put(f"/api/entries/{entry}/photos/{uuid.uuid4()}", data=PNG,
                           headers={"Content-Type": "image/png"})
    assert response.status_code == 400


def test_over_10mb_is_413(officer, entry):
    big = PNG + b"\x00" * (10 * 1024 * 1024)
    assert put(officer, entry, uuid.uuid4(), big).status_code == 413


def test_only_the_author_uploads(sign_in_device, officer, entry):
    sergeant = sign_in_device("sergeant", role="supervisor")
    assert put(sergeant, entry, uuid.uuid4(), PNG).status_code == 403
    assert put(sign_in_device("pc2"), entry, uuid.uuid4(), PNG).status_code == 404


def test_supervisors_read_photos_and_it_is_audited(sign_in_device, officer, entry):
    photo_id = str(uuid.uuid4())
    put(officer, entry, photo_id, PNG)
    sergeant = sign_in_device("sergeant", role="supervisor")
    response = sergeant.get(f"/api/entries/{entry}/photos/{photo_id}")
    assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "photo",
                                                       AuditEvent.action == "consult"))
    assert event.record_id == photo_id and event.device_id == sergeant.device_id
    assert officer.get(f"/api/entries/{entry}/photos/{photo_id}").status_code == 404
    assert sign_in_device("sarge2", role="supervisor", team="Cowley").get(
        f"/api/entries/{entry}/photos/{photo_id}").status_code == 404
    detail = sergeant.get(f"/api/entries/{entry}").get_json()
    assert [p["id"] for p in detail["photos"]] == [photo_id]
