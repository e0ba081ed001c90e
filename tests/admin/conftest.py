"""Fixtures for the admin pages: a signed-in admin, a form poster with CSRF, users and devices to act on."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent
from tests.api.conftest import officer, postbox, sign_in_device  # noqa: F401
from tests.conftest import AuthActions, csrf_token

PASSWORD_SHOWN = re.compile(r'class="password-once"><code>([^<]+)</code>')


@pytest.fixture
def admin(create_user, auth):
    """Admin 'admin1' of team Rose Hill, signed in on ``client``."""
    user = create_user("admin1", role="admin", team="Rose Hill", display_name="Sam Admin")
    response = auth.login("admin1")
    assert response.status_code == 302
    return user


@pytest.fixture
def post_form(client) -> Callable:
    """Factory: ``post_form(path, data)`` POSTs ``data`` with a valid CSRF token (``csrf=False``: without)."""
    def post(path: str, data: dict | None = None, *, csrf: bool = True, token_page: str = "/admin"):
        body = dict(data or {})
        if csrf:
            body["csrf_token"] = csrf_token(client, token_page)
        return client.post(path, data=body)

    return post


@pytest.fixture
def signed_in(app, create_user) -> Callable:
    """Factory: ``signed_in("pc2", role="officer")`` creates the user and returns an AuthActions on its own client."""
    def make(username: str, *, role: str = "officer", team: str = "Rose Hill") -> AuthActions:
        create_user(username, role=role, team=team)
        actions = AuthActions(app.test_client())
        assert actions.login(username).status_code == 302
        return actions

    return make


def audit_count() -> int:
    """How many audit events there are."""
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def last_events(record_type: str, n: int = 1) -> list[AuditEvent]:
    """The newest ``n`` events about ``record_type``, newest first."""
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == record_type)
                                   .order_by(AuditEvent.id.desc()).limit(n)))
