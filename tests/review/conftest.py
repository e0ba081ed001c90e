"""Fixtures for the review pages: a team with officers and a supervisor, another team, an admin."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent
from tests.api.conftest import officer, postbox, sign_in_device  # noqa: F401
from tests.conftest import AuthActions, csrf_token

ENTRY_ROW = re.compile(r'data-entry="([0-9a-f-]{36})"')


@pytest.fixture
def people(create_user, sign_in_device) -> dict:
    """Rose Hill: officers pc1 and pc2 (phones signed in), supervisor 'sarge'; Cowley: officer pc9 and
    supervisor 'cowsarge'; and an admin. Returns the phones by username."""
    create_user("sarge", role="supervisor", team="Rose Hill", display_name="PS Jo Hughes")
    create_user("cowsarge", role="supervisor", team="Cowley", display_name="PS Cowley")
    create_user("boss", role="admin", team="Rose Hill", display_name="Admin")
    return {"pc1": sign_in_device("pc1"), "pc2": sign_in_device("pc2"),
            "pc9": sign_in_device("pc9", team="Cowley")}


@pytest.fixture
def as_user(app) -> Callable:
    """Factory: a new browser (test client) signed in through the real form as ``username``."""
    def sign_in(username: str):
        """Sign a fresh test client in."""
        browser = app.test_client()
        response = AuthActions(browser).login(username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser

    return sign_in


def token(browser) -> str:
    """A CSRF token of the browser's session, read from the sign-out form of the queue page."""
    return csrf_token(browser, "/review")


def listed(html: str) -> list[str]:
    """The entry ids in a queue page, in order."""
    return ENTRY_ROW.findall(html)


def audit_events(action: str | None = None, record_type: str | None = None) -> list[AuditEvent]:
    """Audit events, oldest first, optionally of one action and record type."""
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    if record_type:
        query = query.where(AuditEvent.record_type == record_type)
    return list(db.session.scalars(query))
