"""The DPA 2018 s62 log: who collected, altered, consulted, disclosed, combined or erased what.

Append-only: the database itself refuses to update or delete a row (triggers
created with the table, on SQLite and PostgreSQL alike). Tamper-evident: each
event has a place in a hash chain (``seq``, ``chain_hash``; see
fieldapp.audit.chain), so a change that gets past the triggers is found by
``fieldapp audit verify``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DDL, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from fieldapp.extensions import db
from fieldapp.models.types import UTCDateTime, utcnow


class AuditAction(StrEnum):
    """The six kinds of processing that s62 requires a log of."""

    COLLECT = "collect"
    ALTER = "alter"
    CONSULT = "consult"
    DISCLOSE = "disclose"
    COMBINE = "combine"
    ERASE = "erase"


class AuditEvent(db.Model):
    """One logged act of processing. Holds metadata only, never the record's content."""

    __tablename__ = "audit_events"
    __table_args__ = (
        CheckConstraint(
            "action IN ('collect', 'alter', 'consult', 'disclose', 'combine', 'erase')", name="action"
        ),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
        # The record id first: admins look a record up by its id alone (type optional).
        Index("ix_audit_events_record", "record_id", "record_type"),
        Index("ix_audit_events_action_at", "action", "at"),
        # One event per place in the chain; the last place is the head.
        Index("ix_audit_events_seq", "seq", unique=True),
    )

    # BIGINT on PostgreSQL; SQLite only auto-increments an INTEGER primary key.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(64))
    device_id: Mapped[int | None] = mapped_column(Integer)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(500))
    # Set as the event is written (fieldapp.audit.operations); empty only for a row put in by other means.
    seq: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    chain_hash: Mapped[str | None] = mapped_column(String(64))


# The same statements are in the migration that creates the table.
APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
]
APPEND_ONLY_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
]

for _statement in APPEND_ONLY_SQLITE:
    event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in APPEND_ONLY_POSTGRESQL:
    event.listen(AuditEvent.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
