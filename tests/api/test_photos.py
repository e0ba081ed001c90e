"""Photos: uploaded by the entry's author, idempotent by id and digest, read by supervisors."""

import hashlib
import io
import os
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Photo, PhotoBlob
from tests.factories import stop_search
from tests.fixtures.devices import Device
from tests.fixtures.rows import count
from tests.images import JPEG, PNG, PNG_SIGNATURE, WEBP, png, png_chunk


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
    (PNG, "image/png", 201), (JPEG, "image/jpeg", 201), (WEBP, "image/webp", 201),
])
def test_types_and_real_formats(officer, entry, data, content_type, status):
    assert put(officer, entry, uuid.uuid4(), data, content_type).status_code == status


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize(("data", "content_type"), [
    (PNG_SIGNATURE + HTML, "image/png"),                               # a signature, then a page
    (PNG[:8] + png_chunk(b"tEXt", HTML) + PNG[8:], "image/png"),          # IHDR not first
    (PNG[:-12] + png_chunk(b"tEXt", HTML) + PNG[-12:] + HTML, "image/png"),  # bytes after IEND
    (PNG[:-8] + b"\x00\x00\x00\x00", "image/png"),                   # IEND's CRC wrong
    (PNG[:-12], "image/png"),                                          # no IEND
    (png(extra=HTML)[:40] + b"X" + png(extra=HTML)[41:], "image/png"),    # a chunk's CRC wrong
    (b"\xff\xd8\xff\xe0" + HTML, "image/jpeg"),                       # SOI, then a page
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + HTML + b"\xff\xd9", "image/jpeg"),  # a segment's length wrong
    (JPEG[:-2], "image/jpeg"),                                         # no EOI
    (JPEG + HTML, "image/jpeg"),                                       # a page after EOI
    (b"RIFF\x00\x00\x00\x00WEBPVP8 " + HTML, "image/webp"),            # RIFF size wrong
    (WEBP[:-1], "image/webp"),                                         # cut short
    (b"RIFF" + (len(HTML) + 12).to_bytes(4, "little") + b"WEBPHTML" + len(HTML).to_bytes(4, "little") + HTML,
     "image/webp"),                                                    # no VP8, VP8L or VP8X chunk
])
def test_only_what_is_built_as_the_declared_image_is_taken(officer, entry, data, content_type):
    response = put(officer, entry, uuid.uuid4(), data, content_type)
    assert response.status_code == 400
    kind = content_type.split("/")[1].upper()
    assert response.get_json()["message"] == f"The bytes are not a {kind} image."
    assert count(Photo) == 0 and count(PhotoBlob) == 0


@pytest.mark.parametrize(("data", "content_type", "name"), [
    (PNG, "image/png", "png"), (JPEG, "image/jpeg", "jpg"), (WEBP, "image/webp", "webp")])
def test_a_photo_is_served_as_its_type_only(officer, sign_in_device, entry, data, content_type, name):
    photo_id = str(uuid.uuid4())
    assert put(officer, entry, photo_id, data, content_type).status_code == 201
    response = sign_in_device("sergeant", role="supervisor").get(f"/api/entries/{entry}/photos/{photo_id}")
    assert response.status_code == 200 and response.data == data and response.mimetype == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == f'inline; filename="photo-{photo_id}.{name}"'


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


# --- where the bytes live, and what happens when they cannot be kept ---------------------------------

def photo(size: int) -> bytes:
    """A PNG of ``size`` bytes that no other test sends (the bulk in a private chunk)."""
    filler = uuid.uuid4().bytes + bytes(range(256)) * (size // 256 + 1)
    return png(extra=filler[:size - len(PNG) - 12])


@pytest.fixture
def spool_dir(tmp_path, monkeypatch) -> Path:
    """The folder uploads are spooled to once past memory (``tempfile.tempdir`` for this test)."""
    folder = tmp_path / "spool"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def open_files_in(folder: Path) -> list[str]:
    """The files under ``folder`` this process still has open (deleted temporary files included)."""
    names = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            names.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return [name for name in names if name.startswith(str(folder))]


def test_the_bytes_are_in_the_database_once_per_digest(officer, sign_in_device, entry, app):
    other_entry = stop_search()
    officer.push(other_entry)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    assert put(officer, entry, first, PNG).status_code == 201
    assert put(officer, other_entry["id"], second, PNG).status_code == 201
    [blob] = db.session.scalars(select(PhotoBlob)).all()
    assert (blob.sha256, blob.size, blob.data) == (hashlib.sha256(PNG).hexdigest(), len(PNG), PNG)
    assert not (Path(app.instance_path) / "uploads").exists()
    sergeant = sign_in_device("sergeant", role="supervisor")
    assert sergeant.get(f"/api/entries/{other_entry['id']}/photos/{second}").data == PNG


def test_a_large_photo_is_spooled_streamed_back_and_never_cached(officer, sign_in_device, entry, spool_dir):
    data = photo(3 * 1024 * 1024 + 17)  # past the in-memory spool, and several slices on the way out
    photo_id = str(uuid.uuid4())
    assert put(officer, entry, photo_id, data).status_code == 201
    response = sign_in_device("sergeant", role="supervisor").get(f"/api/entries/{entry}/photos/{photo_id}")
    assert response.status_code == 200 and response.data == data
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Length"] == str(len(data))
    assert open_files_in(spool_dir) == []


def test_the_same_bytes_uploaded_twice_at_once_are_stored_once(officer, entry, app, postgres_url):
    """Two photos of the same bytes whose inserts meet: on PostgreSQL both wait behind a table lock
    held here, then insert the same digest together (ON CONFLICT DO NOTHING settles it)."""
    data = photo(200_000)
    answers = []

    def upload():
        answers.append(put(Device(app.test_client(), officer.token, officer.username, officer.device_id),
                           entry, uuid.uuid4(), data).status_code)

    threads = [threading.Thread(target=upload) for _ in range(2)]
    holder = db.engine.connect()
    try:
        if postgres_url:
            holder.execute(text("LOCK TABLE photo_blobs IN EXCLUSIVE MODE"))  # reads pass, inserts wait
        for thread in threads:
            thread.start()
        if postgres_url:
            wait_for_lock_waits(2)
    finally:
        holder.rollback()
        holder.close()
    for thread in threads:
        thread.join(30)
    assert answers == [201, 201]
    assert count(Photo) == 2 and count(PhotoBlob) == 1


def wait_for_lock_waits(number: int, timeout: float = 20) -> None:
    """Until ``number`` backends of this PostgreSQL database wait for a lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND wait_event_type = 'Lock'")).scalar() >= number:
                return
        time.sleep(0.05)
    raise AssertionError(f"{number} uploads never waited for the lock")


@contextmanager
def database_refusing(kind: str):
    """The test database refuses writes for real: ``full`` (SQLite: no page may be added; PostgreSQL:
    inserting bytes fails with SQLSTATE 53100 disk_full) or ``read-only`` (PostgreSQL: every new
    connection's transactions)."""
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"

    def on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if sqlite:
            pages = cursor.execute("PRAGMA page_count").fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count = {pages}")
        else:
            cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            dbapi_connection.commit()  # a SET in a transaction rolled back would be undone
        cursor.close()

    full_trigger = kind == "full" and not sqlite
    if full_trigger:
        with engine.begin() as conn:
            conn.execute(text("CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS "
                              "$$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' "
                              "USING ERRCODE = 'disk_full'; END $$"))
            conn.execute(text("CREATE TRIGGER test_disk_full BEFORE INSERT ON photo_blobs "
                              "FOR EACH ROW EXECUTE FUNCTION test_disk_full()"))
    else:
        event.listen(engine, "connect", on_connect)
    db.session.remove()
    engine.dispose()
    try:
        yield
    finally:
        db.session.remove()
        if full_trigger:
            with engine.begin() as conn:
                conn.execute(text("DROP TRIGGER test_disk_full ON photo_blobs"))
                conn.execute(text("DROP FUNCTION test_disk_full()"))
        else:
            event.remove(engine, "connect", on_connect)
        engine.dispose()


@pytest.mark.parametrize(("kind", "status", "code"), [("full", 507, "insufficient_storage"),
                                                      ("read-only", 503, "storage_unavailable")])
def test_a_database_that_refuses_the_bytes_answers_a_retryable_error(officer, entry, spool_dir, kind, status,
                                                                       code, postgres_url):
    if kind == "read-only" and postgres_url is None:
        pytest.skip("a read-only SQLite file refuses a request's first BEGIN IMMEDIATE, before any photo code")
    data = photo(2 * 1024 * 1024)  # spooled to a file: it must be gone afterwards too
    photo_id = uuid.uuid4()
    with database_refusing(kind):
        response = put(officer, entry, photo_id, data)
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == code and "try again later" in body["message"]
    assert int(response.headers["Retry-After"]) > 0
    assert open_files_in(spool_dir) == []
    assert count(Photo) == 0 and count(PhotoBlob) == 0
    assert count(AuditEvent, AuditEvent.record_type == "photo") == 0
    # Once the database takes writes again, the same upload is stored.
    assert put(officer, entry, photo_id, data).status_code == 201
    assert db.session.get(PhotoBlob, hashlib.sha256(data).hexdigest()).data == data


def test_a_temporary_folder_that_cannot_take_the_upload_answers_503(officer, entry, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))  # no such folder
    response = put(officer, entry, uuid.uuid4(), photo(2 * 1024 * 1024))
    assert response.status_code == 503 and response.get_json()["error"] == "storage_unavailable"
    assert "Retry-After" in response.headers
    assert count(Photo) == 0 and count(PhotoBlob) == 0
    # Small photos never leave memory, so they are still taken.
    assert put(officer, entry, uuid.uuid4(), PNG).status_code == 201


def test_a_body_over_the_limit_without_a_length_is_413(officer, entry):
    """Sent chunked (no Content-Length), the limit is found while reading."""
    data = PNG + b"\x00" * (10 * 1024 * 1024)
    response = officer.put(f"/api/entries/{entry}/photos/{uuid.uuid4()}", input_stream=io.BytesIO(data),
                           headers={"Content-Type": "image/png", "Transfer-Encoding": "chunked",
                                    "X-Content-SHA256": hashlib.sha256(data).hexdigest()},
                           environ_overrides={"wsgi.input_terminated": True})  # as servers mark a chunked body
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"
    assert count(Photo) == 0 and count(PhotoBlob) == 0
