"""Fixtures for the audit log pages alone: events written at chosen times (the signed-in admin, ``post_form``,
``signed_in`` and the devices are shared, in tests/fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from fieldapp.extensions import db
from fieldapp.models import AuditEvent


@pytest.fixture
def add_event(app) -> Callable[..., AuditEvent]:
    """Factory: ``add_event(at, action="consult", record_type="entry", ...)`` inserts and commits one event.

    Inserting is the only write the log allows; it lets a test put events on chosen days.
    """
    def add(at: datetime, action: str = "consult", record_type: str = "entry", record_id: str | None = "e1",
            actor_id: int | None = None, device_id: int | None = None, remote_addr: str | None = "10.0.0.1",
            detail: str | None = None) -> AuditEvent:
        event = AuditEvent(at=at, action=action, record_type=record_type, record_id=record_id, actor_id=actor_id,
                           device_id=device_id, remote_addr=remote_addr, detail=detail)
        db.session.add(event)
        db.session.commit()
        return event

    return add
