"""Writing the s62 audit log: every act of processing personal data goes through here."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import Connection, event, func, select, text
from sqlalchemy.orm import Session, SessionTransaction

from fieldapp import bulk
from fieldapp.audit import chain
from fieldapp.extensions import db
from fieldapp.models import AuditAction, AuditEvent
from fieldapp.models.types import utcnow


def _context() -> dict[str, Any]:
    """Actor, device and address of the current request, as far as they are known."""
    if not has_request_context():
        return {"actor_id": None, "device_id": None, "remote_addr": None}
    principal = g.get("principal")  # an API call: the token's user and device
    if principal is not None:
        return {"actor_id": principal.user_id, "device_id": principal.device_id,
                "remote_addr": request.remote_addr}
    user = current_user if current_user and current_user.is_authenticated else None
    return {"actor_id": user.id if user is not None else None, "device_id": None,
            "remote_addr": request.remote_addr}


def _row(action: AuditAction, record_type: str, record_id: object | None, detail: str | None,
         context: dict[str, Any], at: datetime) -> dict[str, Any]:
    """One event's row, its values cut to the column sizes (what is hashed is what is stored)."""
    return {
        "action": str(action),
        "record_type": record_type[:40],
        "record_id": None if record_id is None else str(record_id)[:64],
        "detail": None if detail is None else detail[:500],
        "at": at,
        "actor_id": context["actor_id"],
        "device_id": context["device_id"],
        "remote_addr": None if context["remote_addr"] is None else context["remote_addr"][:64],
    }


def _queue(rows: list[dict[str, Any]]) -> None:
    """Hold events until the current transaction commits: they take their place in the chain then.

    They belong to a transaction, so one is begun if none is open (on SQLite with the write lock
    taken, since the events will be written), and a rollback forgets them.
    """
    if not rows:
        return
    session = db.session()
    if not session.in_transaction():
        session.begin()
        if db.engine.dialect.name == "sqlite":
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    session.info.setdefault(_PENDING, []).extend(rows)


def record(
    action: AuditAction,
    record_type: str,
    record_id: object | None = None,
    detail: str | None = None,
    *,
    actor_id: int | None = None,
) -> None:
    """Log one event in the current transaction (it commits with the change it logs, or not at all)."""
    context = _context()
    if actor_id is not None:
        context["actor_id"] = actor_id
    _queue([_row(action, record_type, record_id, detail, context, utcnow())])


def event_rows(action: AuditAction, record_type: str, record_ids: Iterable[object],
               detail: str | None = None) -> list[dict[str, Any]]:
    """One event per record, as rows not yet in the chain."""
    context, now = _context(), utcnow()
    return [_row(action, record_type, record_id, detail, context, now) for record_id in record_ids]


def record_many(action: AuditAction, record_type: str, record_ids: Iterable[object], detail: str | None = None) -> None:
    """Log one event per record (the sync hot path: written in one multi-row insert at commit)."""
    _queue(event_rows(action, record_type, record_ids, detail))


# The chain. Events are held per session (``_PENDING``) and written just before
# the transaction commits, in one multi-row insert, each given the next place
# and its hash. Writers take their places one at a time, and only for that
# moment: on SQLite a request already holds the write lock (fieldapp.transactions),
# on PostgreSQL a transaction-scoped advisory lock is taken just before the insert
# and released by the commit, so a push holds it for one statement, not for its
# whole transaction (its entry locks come first, and are taken in one order by
# every process: no deadlock). The unique index on ``seq`` is the backstop: two
# writers can never both take one place.

_PENDING = "fieldapp.audit_pending"
#: The record id of a verification's event (a consultation of the audit log; see fieldapp.audit.commands).
CHAIN_RECORD_ID = "chain"
#: The advisory lock of the chain: the two-int form, a key space apart from the entries' bigint locks.
_CHAIN_LOCK = (62, 1)


def _added_events(session: Session) -> list[AuditEvent]:
    """Events added as objects (tests' set-up) rather than through :func:`record`: taken out of the
    session, to be chained the same way and put back (the commit's flush then inserts them)."""
    events = [obj for obj in session.new if isinstance(obj, AuditEvent) and obj.seq is None]
    for obj in events:
        session.expunge(obj)
        obj.at = obj.at or utcnow()
        obj.record_id = None if obj.record_id is None else str(obj.record_id)[:64]
        obj.detail = None if obj.detail is None else obj.detail[:500]
    return sorted(events, key=lambda obj: obj.at)


def chain_head(connection: Connection) -> chain.Head | None:
    """The last event's place and hash, or None while the log is empty."""
    events = AuditEvent.__table__.c
    last = connection.execute(select(events.seq, events.chain_hash).where(events.seq.is_not(None))
                              .order_by(events.seq.desc()).limit(1)).first()
    return None if last is None else chain.Head(last.seq, last.chain_hash)


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    """Give the held events their places in the chain and insert them, inside the committing transaction."""
    rows, added = session.info.pop(_PENDING, []), _added_events(session)
    if not rows and not added:
        return
    # The transaction's other changes are written first, so that every row lock it takes comes
    # before the chain's lock (the commit would flush them after this hook, holding it: a deadlock
    # with a push that holds such a row and waits for the chain).
    session.flush()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"),
                           {"a": _CHAIN_LOCK[0], "b": _CHAIN_LOCK[1]})
    head = chain_head(connection)
    seq, previous = (head.seq, head.hash) if head else (0, chain.GENESIS)
    for obj in added:  # inserted by the commit's flush, after this
        seq += 1
        obj.seq, obj.chain_hash = seq, chain.link(previous, {name: getattr(obj, name) for name in chain.FIELDS
                                                            if name != "seq"} | {"seq": seq})
        previous = obj.chain_hash
        session.add(obj)
    for row in rows:
        seq += 1
        row["seq"] = seq
        row["chain_hash"] = previous = chain.link(previous, row)
    if rows:
        bulk.insert_rows(AuditEvent.__table__, rows)


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    """A transaction that ended without committing takes its events with it (they never happened)."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def verify(anchor: chain.Head | None = None, batch: int = 5000) -> chain.Verification:
    """Walk the whole chain in order (see chain.walk), and find events that have no place in it."""
    events = AuditEvent.__table__.c
    columns = [events.id, events.chain_hash, *(events[name] for name in chain.FIELDS)]
    with db.engine.connect() as connection:
        rows = connection.execution_options(yield_per=batch).execute(
            select(*columns).where(events.seq.is_not(None)).order_by(events.seq))
        result = chain.walk((row._mapping for row in rows), anchor)
        outside = connection.execute(select(func.count(), func.min(events.id)).where(events.seq.is_(None))).one()
    if outside[0]:
        result.found(f"{outside[0]:,} event{'s' if outside[0] != 1 else ''} with no place in the chain "
                     f"(the first: id {outside[1]}): put in by other means than the app")
    return result


def last_verification() -> AuditEvent | None:
    """The event of the latest ``fieldapp audit verify``, or None if the chain was never verified."""
    return db.session.scalar(select(AuditEvent).where(AuditEvent.record_id == CHAIN_RECORD_ID,
                                                      AuditEvent.record_type == "audit_log",
                                                      AuditEvent.action == str(AuditAction.CONSULT))
                             .order_by(AuditEvent.seq.desc()).limit(1))
