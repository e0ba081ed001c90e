"""Photo bytes in the database, once per SHA-256 digest, so that every app process serves every photo.

An upload is read a chunk at a time into a temporary file (in memory up to
``SPOOL_BYTES``, on disk beyond; an anonymous file that vanishes when closed,
whatever happens) and hashed as it comes, before any transaction starts: on
SQLite a write transaction holds the database's one write lock, and a phone on
a slow connection must not hold it. Only then do the bytes (if no photo with
that digest is stored yet) and the photo row go in, in one transaction; the
foreign key from ``photos.sha256`` means the database never holds a photo row
without its bytes. Two uploads of the same bytes at once both succeed: the
bytes are inserted with ON CONFLICT DO NOTHING (same digest, same bytes).

A database that refuses the write (disk full, quota, read-only, unreachable)
is :class:`StorageRefused`, which the API answers 507 or 503 with Retry-After.

Reading streams the bytes back: on PostgreSQL a slice at a time (``substr``
on uncompressed storage reads only that slice), on SQLite in one read (its
``substr`` loads the whole value anyway).
"""

from __future__ import annotations

import errno
import hashlib
import sqlite3
import tempfile
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, BinaryIO

from flask import Response, stream_with_context
from sqlalchemy import LargeBinary, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, InternalError, OperationalError

from fieldapp.access import PERSONAL_DATA_HEADERS
from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction, Photo, PhotoBlob
from fieldapp.transactions import begin_write, reads_only

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The first bytes of each accepted format; :func:`looks_like` then checks the whole structure.
SIGNATURES = {
    "image/jpeg": lambda data: data[:3] == b"\xff\xd8\xff",
    "image/png": lambda data: data[:8] == PNG_SIGNATURE,
    "image/webp": lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP",
}
MAX_PHOTO_BYTES = 10 * 1024 * 1024
CHUNK_BYTES = 256 * 1024
SPOOL_BYTES = 1024 * 1024
ATTEMPTS = 3
#: PostgreSQL's SQLSTATE for a full disk (class 53 is 'insufficient resources').
DISK_FULL = "53100"


class TooLarge(Exception):
    """The upload is over ``MAX_PHOTO_BYTES``."""


class Clash(Exception):
    """Another photo (other bytes, or another entry) is already stored under this photo id."""


class StorageRefused(Exception):
    """The server could not keep the bytes now; ``full`` when for lack of space. Nothing was stored."""

    def __init__(self, full: bool) -> None:
        super().__init__("no space to store the photo" if full else "the photo store refused the write")
        self.full = full


def _jpeg(data: bytes) -> bool:
    """SOI, then whole marker segments (a frame header among them) up to the first SOS, and EOI last.

    The compressed scan data after SOS is not decoded; it must end with EOI.
    """
    if data[:2] != b"\xff\xd8" or len(data) < 4 or data[-2:] != b"\xff\xd9":
        return False
    position, frame = 2, False
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker in JPEG_STANDALONE:
            position += 2
            continue
        if marker in {0x00, 0xD8, 0xD9}:  # no SOI again, no EOI before the image
            return False
        length = int.from_bytes(data[position + 2:position + 4], "big")
        if length < 2 or position + 2 + length > len(data) - 2:
            return False
        if marker == 0xDA:  # start of scan: the image data follows
            return frame
        frame = frame or marker in JPEG_FRAMES
        position += 2 + length
    return False


def _png(data: bytes) -> bool:
    """Signature, IHDR first (13 bytes), every chunk whole with a right CRC, an IDAT, IEND last."""
    if data[:8] != PNG_SIGNATURE:
        return False
    position, kinds = 8, []
    while position < len(data):
        if position + 12 > len(data):
            return False
        length = int.from_bytes(data[position:position + 4], "big")
        kind = data[position + 4:position + 8]
        end = position + 12 + length
        if length > 0x7FFFFFFF or end > len(data) or not kind.isalpha():
            return False
        crc = int.from_bytes(data[end - 4:end], "big")
        if zlib.crc32(data[position + 4:end - 4]) != crc:
            return False
        if not kinds and (kind != b"IHDR" or length != 13):
            return False
        kinds.append(kind)
        position = end
        if kind == b"IEND":
            break
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return (position == len(data) and kinds[-1:] == [b"IEND"] and b"IDAT" in kinds
            and width > 0 and height > 0)


def _webp(data: bytes) -> bool:
    """RIFF whose size is the file's, WEBP, whole chunks to the end, and the image in VP8, VP8L or VP8X."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP" or int.from_bytes(data[4:8], "little") != len(data) - 8:
        return False
    position, kinds = 12, []
    while position < len(data):
        if position + 8 > len(data):
            return False
        kind, size = data[position:position + 4], int.from_bytes(data[position + 4:position + 8], "little")
        body = data[position + 8:position + 8 + size]
        if len(body) != size:
            return False
        if kind == b"VP8 " and (size < 10 or body[3:6] != b"\x9d\x01\x2a"):  # a key frame's start code
            return False
        if kind == b"VP8L" and (size < 5 or body[0] != 0x2F):  # the lossless signature
            return False
        kinds.append(kind)
        position += 8 + size + (size & 1)  # chunks are padded to an even length
    if position != len(data) or not kinds or kinds[0] not in {b"VP8 ", b"VP8L", b"VP8X"}:
        return False
    return kinds[0] != b"VP8X" or any(kind in {b"VP8 ", b"VP8L", b"ANMF"} for kind in kinds)


#: JPEG markers without a length: TEM and the restart markers.
JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}
#: JPEG start-of-frame markers (SOF0 to SOF15 but DHT, JPG and DAC).
JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
#: The structure check of each accepted type, after its signature matched.
STRUCTURES = {"image/jpeg": _jpeg, "image/png": _png, "image/webp": _webp}


def looks_like(content_type: str, data: bytes) -> bool:
    """Whether ``data`` is built as a file of ``content_type`` is, from its first byte to its last.

    A signature alone is not enough: a PNG signature followed by a web page was
    accepted once. No image library is installed, so this walks the format's
    structure rather than decoding the pixels.
    """
    check = SIGNATURES.get(content_type)
    return bool(check and check(data)) and STRUCTURES[content_type](data)


@dataclass(frozen=True)
class Upload:
    """Bytes received and hashed, waiting in a temporary file."""

    file: IO[bytes]
    size: int
    sha256: str

    def read(self) -> bytes:
        """All the bytes (at most ``MAX_PHOTO_BYTES``), from the start."""
        self.file.seek(0)
        data = self.file.read()
        self.file.seek(0)
        return data


def _is_full(exc: BaseException) -> bool:
    """Whether ``exc`` (an OSError or a driver's error) says the disk or a quota is full."""
    if isinstance(exc, OSError) and exc.errno in {errno.ENOSPC, errno.EDQUOT}:
        return True
    if isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return True
    return getattr(exc, "sqlstate", None) == DISK_FULL


@contextmanager
def received(stream: BinaryIO, limit: int = MAX_PHOTO_BYTES) -> Iterator[Upload]:
    """Read ``stream`` into a temporary file while hashing it; TooLarge past ``limit`` bytes.

    The file is closed (and so gone) when the block ends, however it ends. A
    temporary folder that cannot take the bytes is StorageRefused.
    """
    try:
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    except OSError as exc:
        raise StorageRefused(_is_full(exc)) from exc
    with spool:
        digest, size = hashlib.sha256(), 0
        try:
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise TooLarge
                digest.update(chunk)
                spool.write(chunk)
            spool.seek(0)
        except OSError as exc:  # the temporary folder is full or gone
            raise StorageRefused(_is_full(exc)) from exc
        yield Upload(spool, size, digest.hexdigest())


def _insert_blob(upload: Upload) -> None:
    """Insert the bytes unless a row with their digest exists (or is being inserted) already."""
    if db.session.scalar(select(PhotoBlob.size).where(PhotoBlob.sha256 == upload.sha256)) is not None:
        return  # stored already: do not send 10 MB to the database for nothing
    upload.file.seek(0)
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    statement = insert(PhotoBlob.__table__).values(sha256=upload.sha256, size=upload.size,
                                                    data=upload.file.read())
    db.session.execute(statement.on_conflict_do_nothing(index_elements=["sha256"]))


def attach(photo_id: uuid.UUID, entry_id: uuid.UUID, content_type: str, upload: Upload,
           uploaded_by: int) -> tuple[Photo, bool]:
    """Store the bytes and the photo row in one transaction, audited; ``(photo, created)``.

    Idempotent by photo id and digest: the same photo again is ``created=False``;
    other bytes (or another entry) under the same id is Clash. A race lost to
    another request (the same id stored meanwhile, or the bytes erased by
    retention between their check and the photo row) is decided again.
    """
    for _ in range(ATTEMPTS):
        try:
            begin_write()
            existing = db.session.get(Photo, photo_id, populate_existing=True)
            if existing is not None:
                same = existing.sha256 == upload.sha256 and existing.entry_id == entry_id
                db.session.commit()
                if not same:
                    raise Clash
                return existing, False
            _insert_blob(upload)
            photo = Photo(id=photo_id, entry_id=entry_id, content_type=content_type, size=upload.size,
                          sha256=upload.sha256, uploaded_by=uploaded_by)
            db.session.add(photo)
            audit.record(AuditAction.COLLECT, "photo", photo_id, f"photo of entry {entry_id}")
            db.session.commit()
            return photo, True
        except IntegrityError:
            db.session.rollback()
        except (OperationalError, InternalError) as exc:  # full, read-only, locked for too long, unreachable
            db.session.rollback()
            raise StorageRefused(_is_full(exc.orig)) from exc
        except OSError as exc:  # the temporary file could not be read back
            db.session.rollback()
            raise StorageRefused(_is_full(exc)) from exc
    raise StorageRefused(full=False)


def _chunks(sha256: str, size: int) -> Iterator[bytes]:
    """The stored bytes with this digest, a slice at a time where the database can slice cheaply."""
    step = CHUNK_BYTES * 4 if db.engine.dialect.name == "postgresql" else max(size, 1)
    for start in range(0, size, step):
        part = db.session.scalar(select(func.substr(PhotoBlob.data, start + 1, step, type_=LargeBinary))
                                 .where(PhotoBlob.sha256 == sha256))
        # Only read: end the transaction before a slow client takes the slice, so that no
        # transaction (on SQLite, perhaps the write lock) stays open while the bytes travel.
        db.session.rollback()
        if part is None:  # erased by retention while being read: the client sees a short body
            return
        yield part


def photo_response(photo: Photo) -> Response:
    """A streamed response with the photo's bytes: personal data, so never cached.

    Shown in the page, never sniffed as anything but its type (``nosniff``), under a
    name made only of its id, whatever the phone called the file.
    Call it after the view's audit event is committed: from here the request only reads.
    """
    reads_only()
    body = stream_with_context(_chunks(photo.sha256, photo.size))
    extension = photo.content_type.split("/")[1].replace("jpeg", "jpg")
    return Response(body, mimetype=photo.content_type, headers={
        "Content-Length": str(photo.size), **PERSONAL_DATA_HEADERS, "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'inline; filename="photo-{photo.id}.{extension}"'})
