"""What the sync protocol keeps beyond the entries: photos, the change feed phones pull, its counter."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DDL, BigInteger, ForeignKey, Index, Integer, LargeBinary, String, event
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime, utcnow


class PhotoBlob(db.Model):
    """A photo's bytes, stored once per SHA-256 digest, in the database every app process shares.

    Content-addressed: one digest, one set of bytes, so two uploads of the same
    bytes share a row and a row is never changed. The foreign key from
    :class:`Photo` means no photo row can exist without its bytes (the
    database refuses both the row and the erasure of bytes still in use).
    """

    __tablename__ = "photo_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


# Images are compressed already: stored uncompressed, PostgreSQL reads a slice of one (substr)
# without reading the rest. The same statement is in migration 0006.
BLOB_STORAGE_POSTGRESQL = "ALTER TABLE photo_blobs ALTER COLUMN data SET STORAGE EXTERNAL"
event.listen(PhotoBlob.__table__, "after_create", DDL(BLOB_STORAGE_POSTGRESQL).execute_if(dialect="postgresql"))


class Photo(db.Model):
    """A photo attached to an entry; its bytes are the :class:`PhotoBlob` with its digest."""

    __tablename__ = "photos"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), ForeignKey("photo_blobs.sha256"), index=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Change(db.Model):
    """One thing a phone must hear about: a decision on, or a new version of, its officer's entry.

    ``seq`` comes from :class:`Counter` under a row lock held until commit, so
    changes commit in ``seq`` order and a reader's cursor never skips one.
    """

    __tablename__ = "sync_changes"
    __table_args__ = (Index("ix_sync_changes_owner_seq", "owner_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                     autoincrement=False)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    entry_type: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Counter(db.Model):
    """A named sequence whose row lock orders writers (see :class:`Change`)."""

    __tablename__ = "sync_counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
