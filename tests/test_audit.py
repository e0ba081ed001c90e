"""The audit log is written through one function and cannot be changed afterwards."""

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DatabaseError

from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction, AuditEvent


def test_record_writes_actor_action_and_record(app, create_user):
    user = create_user("pc1")
    audit.record(AuditAction.CONSULT, "encounter", "abc", "viewed", actor_id=user.id)
    audit.record_many(AuditAction.COLLECT, "encounter", ["e1", "e2"])
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.record_type, e.record_id, e.actor_id) for e in events] == [
        ("consult", "encounter", "abc", user.id),
        ("collect", "encounter", "e1", None),
        ("collect", "encounter", "e2", None),
    ]
    assert all(e.at is not None and e.at.tzinfo is not None for e in events)


@pytest.mark.parametrize("statement", [update(AuditEvent).values(detail="changed"), delete(AuditEvent)])
def test_audit_events_cannot_be_changed(app, statement):
    audit.record(AuditAction.ERASE, "encounter", "abc")
    db.session.commit()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(statement)
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.detail)) is None
