"""The audit log of signing in and out, of refusals, and of users made outside the admin pages (issue 13)."""

from __future__ import annotations

from sqlalchemy import select

from fieldapp.demo import seed_demo
from fieldapp.extensions import db
from fieldapp.models import AuditEvent
from tests.fixtures.rows import audit_events


def events(record_type: str = "user") -> list[tuple]:
    db.session.expire_all()
    return [(e.action, e.record_id, e.actor_id, e.detail)
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == record_type)
                                        .order_by(AuditEvent.id))]


def test_sign_in_out_and_failures_are_logged_without_the_typed_username(client, auth, create_user):
    user = create_user("sgt", role="supervisor")
    auth.login("sgt", "wrong password!")
    auth.login("no-such-person", "wrong password!")
    auth.login("sgt")
    auth.logout()
    assert events() == [
        ("consult", str(user.id), None, "sign-in failed: wrong password"),
        ("consult", None, None, "sign-in failed: unknown account"),
        ("consult", str(user.id), user.id, "signed in on the web"),
        ("alter", str(user.id), user.id, "signed out on the web"),
    ]
    assert not any("no-such-person" in str(row) for row in events())


def test_failed_sign_ins_on_the_api_are_logged_too(client, create_user):
    user = create_user("pc1")
    client.post("/api/auth/token", json={"username": "pc1", "password": "wrong", "device_name": "Phone"})
    assert events() == [("consult", str(user.id), None, "sign-in failed: wrong password")]


def test_refusals_are_logged(client, auth, create_user):
    user = create_user("pc1")
    auth.login("pc1")
    assert client.get("/admin/users").status_code == 403
    assert events()[-1] == ("consult", str(user.id), user.id, "access denied: GET /admin/users")


def test_demo_users_and_team_are_logged_once(app):
    seed_demo()
    seed_demo()  # idempotent: nothing new, nothing logged
    assert len(audit_events(record_type="team")) == 1
    created = [e.detail for e in audit_events(record_type="user")]
    assert len(created) == 4 and all(detail.startswith("user created for the demo: ") for detail in created)
