"""Only admins may search or export the audit log."""

import pytest


@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_officers_and_supervisors_are_refused(client, auth, create_user, role):
    create_user("someone", role=role)
    auth.login("someone")
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_admins_may_search_and_export(client, admin):
    assert client.get("/audit").status_code == 200
    assert client.get("/audit/export.csv").status_code == 200


def test_signed_out_people_are_sent_to_sign_in(client):
    for path in ("/audit", "/audit/export.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
