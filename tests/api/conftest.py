"""Fixtures for the API: signed-in devices and a small client that speaks the protocol."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Placement, Postbox, Team, User
from tests.conftest import TEST_PASSWORD


class Device:
    """One signed-in phone: a test client with its bearer token."""

    def __init__(self, client, token: str, username: str, device_id: int) -> None:
        self.client, self.token, self.username, self.device_id = client, token, username, device_id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.client.delete(path, headers=self.headers, **kwargs)

    def put(self, path: str, **kwargs):
        return self.client.put(path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def push(self, *entries: dict[str, Any], expect: int = 200) -> list[dict[str, Any]]:
        response = self.post("/api/sync/push", json={"entries": list(entries)})
        assert response.status_code == expect, response.get_json()
        return response.get_json()["results"] if expect == 200 else response.get_json()

    def pull(self, cursor: str | None = None, limit: int | None = None) -> dict[str, Any]:
        query = {k: v for k, v in {"cursor": cursor, "limit": limit}.items() if v is not None}
        response = self.get("/api/sync/pull", query_string=query)
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@pytest.fixture
def sign_in_device(app, create_user) -> Callable[..., Device]:
    """Factory: ``sign_in_device("pc1", role="officer", team="Rose Hill")`` creates the user
    (unless it exists) and returns a signed-in :class:`Device`."""
    def make(username: str = "pc1", *, role: str = "officer", team: str = "Rose Hill",
             device_name: str = "Test phone") -> Device:
        if db.session.scalar(select(User).where(User.username == username)) is None:
            create_user(username, role=role, team=team, display_name=username.upper())
        client = app.test_client()
        response = client.post("/api/auth/token", json={"username": username, "password": TEST_PASSWORD,
                                                        "device_name": device_name})
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        return Device(client, body["token"], username, body["device_id"])

    return make


@pytest.fixture
def officer(sign_in_device) -> Device:
    """PC1 of team Rose Hill, signed in on one phone."""
    return sign_in_device("pc1")


@pytest.fixture
def postbox(app) -> int:
    """A postbox standing at a shop; returns its id."""
    team = db.session.scalar(select(Team).where(Team.name == "Rose Hill"))
    if team is None:
        team = Team(name="Rose Hill")
        db.session.add(team)
        db.session.flush()
    box = Postbox(label="PB-01", team_id=team.id)
    box.placements.append(Placement(site_name="Rose Hill Stores", site_type="shop", address="1 Rose Hill",
                                    latitude=51.729, longitude=-1.2343))
    db.session.add(box)
    db.session.commit()
    return box.id
