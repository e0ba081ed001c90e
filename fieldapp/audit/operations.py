"""Writing the s62 audit log: every act of processing personal data goes through here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import g, has_request_context, request
from flask_login import current_user

from fieldapp import bulk
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


def record(
    action: AuditAction,
    record_type: str,
    record_id: object | None = None,
    detail: str | None = None,
    *,
    actor_id: int | None = None,
) -> None:
    """Add one audit event to the current transaction (it commits with the change it logs)."""
    values = _context()
    if actor_id is not None:
        values["actor_id"] = actor_id
    db.session.add(
        AuditEvent(
            action=str(action),
            record_type=record_type,
            record_id=None if record_id is None else str(record_id),
            detail=None if detail is None else detail[:500],
            at=utcnow(),
            **values,
        )
    )


def event_rows(action: AuditAction, record_type: str, record_ids: Iterable[object],
               detail: str | None = None) -> list[dict[str, Any]]:
    """One audit event per record as rows for a multi-row insert (the caller inserts them)."""
    values = _context()
    now = utcnow()
    return [
        {
            "action": str(action),
            "record_type": record_type,
            "record_id": str(record_id),
            "detail": detail,
            "at": now,
            **values,
        }
        for record_id in record_ids
    ]


def record_many(action: AuditAction, record_type: str, record_ids: Iterable[object], detail: str | None = None) -> None:
    """Log one event per record in a single multi-row insert (the sync hot path)."""
    bulk.insert_rows(AuditEvent.__table__, event_rows(action, record_type, record_ids, detail))
