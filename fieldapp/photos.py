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

# The first bytes of each accepted format: the body must really be what it claims.
SIGNATURES = {
    "image/jpeg": lambda data: data[:3] == b"\xff\xd8\xff",
    "image/png": lambda data: data[:8] == b"\x89PNG\r\n\x1a\n",
    "image/webp": lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP",
}
MAX_PHOTO_BYTES = 10 * 1024 * 1024
CHUNK_BYTES = 256 * 1024
SPOOL_BYTES = 1024 * 1024
HEAD_BYTES = 16  # enough for every signature
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


def looks_like(content_type: str, data: bytes) -> bool:
    """Whether ``data`` starts as a file of ``content_type`` does."""
    check = SIGNATURES.get(content_type)
    return bool(check and check(data))


@dataclass(frozen=True)
class Upload:
    """Bytes received and hashed, waiting in a temporary file."""

    file: IO[bytes]
    size: int
    sha256: str
    head: bytes


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
        digest, size, head = hashlib.sha256(), 0, b""
        try:
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise TooLarge
                digest.update(chunk)
                spool.write(chunk)
                if len(head) < HEAD_BYTES:
                    head += chunk[:HEAD_BYTES]
            spool.seek(0)
        except OSError as exc:  # the temporary folder is full or gone
            raise StorageRefused(_is_full(exc)) from exc
        yield Upload(spool, size, digest.hexdigest(), head[:HEAD_BYTES])


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

    Call it after the view's audit event is committed: from here the request only reads.
    """
    reads_only()
    body = stream_with_context(_chunks(photo.sha256, photo.size))
    return Response(body, mimetype=photo.content_type,
                    headers={"Content-Length": str(photo.size), **PERSONAL_DATA_HEADERS})
