"""Every page for people against every role, and signed out: allowed or denied, on the server; and the
API's own-device routes by each role's device token."""

import base64

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Device

from tests.factories import stop_search
from tests.fixtures.web import AuthActions

PAGES = [
    # path,                                   signed out, officer, supervisor, admin
    ("/",                                      302, 302, 302, 302),  # each role lands on its work
    ("/app",                                   200, 200, 200, 200),
    ("/review",                                302, 200, 200, 200),
    ("/review/{entry}",                        302, 200, 200, 200),
    ("/reports",                               302, 403, 200, 200),
    ("/reports/forum",                         302, 403, 200, 200),
    ("/reports/searches",                      302, 403, 200, 200),
    ("/reports/population",                    302, 403, 200, 200),
    ("/searches",                              302, 403, 200, 200),
    ("/searches/authorisations",               302, 403, 200, 200),
    ("/searches/requests",                     302, 403, 200, 200),
    ("/searches/dip",                          302, 403, 200, 200),
    ("/searches/scrutiny",                     302, 403, 200, 200),
    ("/receipt",                               200, 200, 200, 200),
    ("/exports",                               302, 403, 200, 200),
    ("/exports/stop-search.csv?from=2024-01-01&to=2025-12-31", 302, 403, 200, 200),
    ("/exports/encounter.csv",                 302, 403, 200, 200),
    ("/exports/postbox_item.csv",              302, 403, 200, 200),
    ("/admin",                                 302, 403, 403, 200),
    ("/admin/users",                           302, 403, 403, 200),
    ("/admin/users/new",                       302, 403, 403, 200),
    ("/admin/postboxes",                       302, 403, 403, 200),
    ("/admin/postboxes/new",                   302, 403, 403, 200),
    ("/admin/reference",                       302, 403, 403, 200),
    ("/admin/teams",                           302, 403, 403, 200),
    ("/audit",                                 302, 403, 403, 200),
    ("/audit/export.csv",                      302, 403, 403, 200),
]
ROLES = ["signed out", "officer", "supervisor", "admin"]


@pytest.fixture
def entry_id(sign_in_device):
    entry = stop_search()
    sign_in_device("pc1").push(entry)
    return entry["id"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role(app, create_user, sign_in_device, entry_id, role):
    client = app.test_client()
    if role != "signed out":
        username = {"officer": "pc1", "supervisor": "sergeant", "admin": "admin1"}[role]
        if role != "officer":
            create_user(username, role=role)
        AuthActions(client).login(username)
    column = ROLES.index(role) + 1
    outcomes = {}
    for row in PAGES:
        path = row[0].format(entry=entry_id)
        response = client.get(path)
        outcomes[path] = response.status_code
        if response.status_code == 302 and role == "signed out":
            assert response.headers["Location"].startswith("/login"), path
    expected = {row[0].format(entry=entry_id): row[column] for row in PAGES}
    assert outcomes == expected


@pytest.mark.parametrize("path", ["/admin/users/99999999999999999999999", "/admin/postboxes/99999999999999999999999"])
def test_huge_ids_in_urls_are_404(app, create_user, path):
    client = app.test_client()
    create_user("admin1", role="admin")
    AuthActions(client).login("admin1")
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/reports?team=%C2%B2", "/exports/postbox_visit.csv?postbox=%C2%B2",
                                  "/exports/postbox_item.csv?postbox=%C2%B2"])
def test_non_ascii_digits_are_refused_not_500(app, create_user, path):
    client = app.test_client()
    create_user("admin1", role="admin")
    AuthActions(client).login("admin1")
    assert client.get(path).status_code in {200, 400}



# The API's own-device routes, by a device token of each role (cookies never authenticate the API:
# the web session each role also holds changes nothing, and alone it is 401 token_missing).
OWN_DEVICE_API = [
    # path,                       signed out, officer, supervisor, admin
    ("/api/me",                   401, 200, 200, 200),
    ("/api/auth/recovery-key",    401, 200, 200, 200),
]


@pytest.mark.parametrize("role", ROLES)
def test_own_device_api_routes_for_every_role(app, create_user, sign_in_device, role):
    client = app.test_client()
    column = ROLES.index(role) + 1
    username = {"signed out": "pc1", "officer": "pc1", "supervisor": "sergeant", "admin": "admin1"}[role]
    phone = sign_in_device(username, role="officer" if role == "signed out" else role)
    AuthActions(client).login(username)
    headers = {} if role == "signed out" else phone.headers
    for path, *expected in OWN_DEVICE_API:
        response = client.get(path, headers=headers)
        assert response.status_code == expected[column - 1], path
        if role == "signed out":  # a web session but no device token
            assert response.get_json()["error"] == "token_missing", path
    if role != "signed out":
        key = client.get("/api/auth/recovery-key", headers=headers).get_json()["recovery_key"]
        stored = db.session.scalar(select(Device.recovery_key).where(Device.id == phone.device_id))
        assert base64.urlsafe_b64decode(key + "=") == stored  # this device's own
