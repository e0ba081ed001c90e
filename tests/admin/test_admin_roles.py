"""Who may use the admin pages: admins only; CSRF refused on every POST form."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Device, Placement, Postbox, User


@pytest.fixture
def targets(sign_in_device, postbox):
    """Something to act on: officer pc9 signed in on a phone, and postbox PB-01."""
    phone = sign_in_device("pc9")
    user_id = db.session.scalar(select(User.id).where(User.username == "pc9"))
    team_id = db.session.scalar(select(User.team_id).where(User.id == user_id))
    return {"uid": user_id, "did": phone.device_id, "pid": postbox, "tid": team_id}


PAGES = ["/admin", "/admin/users", "/admin/users/new", "/admin/users/{uid}", "/admin/users/{uid}/edit", "/admin/postboxes",
         "/admin/postboxes/new", "/admin/postboxes/{pid}", "/admin/reference", "/admin/devices/{did}/lost"]

SITE = {"site_name": "Iffley Library", "site_type": "community_centre", "address": "Church Way, Oxford",
        "latitude": "51.7301", "longitude": "-1.2370"}

# In an order an admin can run them all: each answers 302 (or 200 with the password page).
POSTS = [
    ("/admin/users/new", {"username": "pc10", "display_name": "PC Ten", "role": "officer", "team": "Rose Hill",
                          "password": "a long enough password"}, 302),
    ("/admin/users/{uid}/edit", {"display_name": "PC Nine", "role": "supervisor", "team": "Rose Hill"}, 302),
    ("/admin/devices/{did}/revoke", {}, 302),
    ("/admin/devices/{did}/lost", {"confirm": "y"}, 302),
    ("/admin/users/{uid}/reset-password", {}, 200),
    ("/admin/users/{uid}/deactivate", {}, 302),
    ("/admin/users/{uid}/reactivate", {}, 302),
    ("/admin/postboxes/new", {"label": "PB-09", "team_id": "{tid}", **SITE}, 302),
    ("/admin/postboxes/{pid}/move", SITE, 302),
    ("/admin/postboxes/{pid}/retire", {}, 302),
]


def filled(data: dict, targets: dict) -> dict:
    """``data`` with the targets' ids put in."""
    return {key: value.format(**targets) for key, value in data.items()}


def denials() -> int:
    """How many refusals (403) the audit log holds."""
    return db.session.scalar(select(func.count()).where(AuditEvent.detail.startswith("access denied: ")))


def state() -> tuple:
    """Everything an admin POST could change, to prove nothing did (a refusal is logged: see denials)."""
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(AuditEvent)) - denials(),
        db.session.scalar(select(func.count()).select_from(User)),
        tuple(db.session.execute(select(User.username, User.active, User.password_hash, User.session_token,
                                        User.display_name, User.role, User.team_id).order_by(User.id)).all()),
        tuple(db.session.execute(select(Device.revoked_at, Device.lost_at).order_by(Device.id)).all()),
        tuple(db.session.execute(select(Postbox.label, Postbox.active).order_by(Postbox.id)).all()),
        tuple(db.session.execute(select(Placement.id, Placement.placed_to).order_by(Placement.id)).all()),
    )


@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_officers_and_supervisors_are_refused_everything(client, auth, create_user, post_form, targets, role):
    create_user("someone", role=role)
    auth.login("someone")
    for page in PAGES:
        assert client.get(page.format(**targets)).status_code == 403, page
    before, denied = state(), denials()
    for path, data, _ in POSTS:
        assert post_form(path.format(**targets), filled(data, targets)).status_code == 403, path
    assert state() == before
    # Each refusal is in the audit log: the POST's, and the page its form token is read from (/admin).
    assert denials() == denied + 2 * len(POSTS)


def test_an_admin_may_use_every_page_and_form(client, admin, post_form, targets):
    for page in PAGES:
        assert client.get(page.format(**targets)).status_code == 200, page
    for path, data, expected in POSTS:
        response = post_form(path.format(**targets), filled(data, targets))
        assert response.status_code == expected, (path, response.get_data(as_text=True))


def test_signed_out_people_are_sent_to_sign_in(client, post_form, targets):
    for page in PAGES:
        response = client.get(page.format(**targets))
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"], page
    before = state()
    for path, data, _ in POSTS:
        response = post_form(path.format(**targets), filled(data, targets), token_page="/login")
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert state() == before


@pytest.mark.parametrize(("path", "data", "_"), POSTS, ids=[p for p, _, _ in POSTS])
def test_every_admin_form_refuses_a_post_without_csrf(client, admin, post_form, targets, path, data, _):
    before = state()
    response = post_form(path.format(**targets), filled(data, targets), csrf=False)
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert state() == before


def test_the_nav_links_reach_admin_pages(client, admin):
    page = client.get("/admin").get_data(as_text=True)
    for link in ("/admin/users", "/admin/postboxes", "/admin/reference", "/audit"):
        assert f'href="{link}"' in page
