"""Fixtures for the review pages alone: a team with officers and a supervisor, another team, an admin, and
browsers signed in as any of them (``token`` and ``listed`` are in tests/fixtures/web.py)."""

from __future__ import annotations


import pytest



@pytest.fixture
def people(create_user, sign_in_device) -> dict:
    """Rose Hill: officers pc1 and pc2 (phones signed in), supervisor 'sarge'; Cowley: officer pc9 and
    supervisor 'cowsarge'; and an admin. Returns the phones by username."""
    create_user("sarge", role="supervisor", team="Rose Hill", display_name="PS Jo Hughes")
    create_user("cowsarge", role="supervisor", team="Cowley", display_name="PS Cowley")
    create_user("boss", role="admin", team="Rose Hill", display_name="Admin")
    return {"pc1": sign_in_device("pc1"), "pc2": sign_in_device("pc2"),
            "pc9": sign_in_device("pc9", team="Cowley")}
