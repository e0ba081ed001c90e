"""Issue 14: an admin marks a phone lost. Its token answers 401 device_lost from then on (the phone erases
itself), its recovery key is destroyed, and it is audited; a phone that is only revoked keeps its data."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Device, User
from tests.factories import stop_search
from tests.fixtures.rows import audit_count, last_events

LOST = {"error": "device_lost", "message": "This phone was reported lost: it can no longer be used with this service."}
CONFIRM = {"confirm": "y"}


def _device(device_id) -> Device:
    db.session.rollback()
    return db.session.scalar(select(Device).where(Device.id == device_id).execution_options(populate_existing=True))


def _key(device_id) -> bytes | None:
    db.session.rollback()
    return db.session.scalar(select(Device.recovery_key).where(Device.id == device_id))


def _lost_path(phone) -> str:
    return f"/admin/devices/{phone.device_id}/lost"


def test_the_user_page_offers_mark_lost_through_a_second_step(client, admin, sign_in_device):
    phone = sign_in_device("pc1", device_name="Pixel 7 of PC1")
    user_id = db.session.scalar(select(User.id).where(User.username == "pc1"))
    page = client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert f'href="{_lost_path(phone)}"' in page and "Mark lost" in page
    confirm = client.get(_lost_path(phone))
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "Pixel 7 of PC1" in html and 'name="confirm"' in html and 'name="csrf_token"' in html
    assert "<script" not in html
    assert client.get("/admin/devices/99999/lost").status_code == 404


def test_marking_lost_answers_device_lost_on_every_api_call(client, admin, post_form, sign_in_device):
    phone = sign_in_device("pc1", device_name="Pixel 7 of PC1")
    other_phone = sign_in_device("pc1", device_name="Second phone")
    assert _key(phone.device_id) is not None
    response = post_form(_lost_path(phone), CONFIRM)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is marked lost" in page
    row = re.search(r"<tr[^>]*>\s*<td>Pixel 7 of PC1</td>.*?</tr>", page, re.S).group(0)
    assert "Lost" in row and "Mark lost" not in row and "Revoke" not in row
    for answer in (phone.get("/api/me"), phone.post("/api/sync/push", json={"entries": [stop_search()]}),
                   phone.get("/api/sync/pull"), phone.get("/api/reference"), phone.delete("/api/auth/token")):
        assert answer.status_code == 401 and answer.get_json() == LOST
        assert answer.headers["WWW-Authenticate"] == 'Bearer realm="fieldapp"'
    assert other_phone.get("/api/me").status_code == 200
    device = _device(phone.device_id)
    assert device.lost_at is not None and device.revoked_at is not None
    assert _key(phone.device_id) is None
    event = last_events("device")[0]
    assert (event.action, event.record_id, event.actor_id, event.detail) == (
        "alter", str(phone.device_id), admin.id, "device marked lost; recovery key destroyed")
    # Marking it twice changes nothing and says so.
    events = audit_count()
    again = post_form(_lost_path(phone), CONFIRM)
    assert "already marked lost" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert audit_count() == events


def test_a_lost_phone_is_told_so_even_once_its_token_has_expired(admin, post_form, sign_in_device, monkeypatch):
    import itsdangerous.timed

    phone = sign_in_device("pc1")
    assert post_form(_lost_path(phone), CONFIRM).status_code == 302
    real_time = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() + 31 * 24 * 3600)
    assert phone.get("/api/me").get_json() == LOST


def test_a_revoked_phone_can_still_be_marked_lost(client, admin, post_form, sign_in_device):
    phone = sign_in_device("pc1")
    assert post_form(f"/admin/devices/{phone.device_id}/revoke").status_code == 302
    revoked_at = _device(phone.device_id).revoked_at
    assert phone.get("/api/me").get_json()["error"] == "token_revoked"
    assert post_form(_lost_path(phone), CONFIRM).status_code == 302
    device = _device(phone.device_id)
    assert device.lost_at is not None and device.revoked_at == revoked_at and _key(phone.device_id) is None
    assert phone.get("/api/me").get_json() == LOST


def test_a_revoked_phone_that_is_not_lost_keeps_the_old_answer(client, admin, post_form, sign_in_device):
    phone = sign_in_device("pc1")
    assert post_form(f"/admin/devices/{phone.device_id}/revoke").status_code == 302
    for answer in (phone.get("/api/me"), phone.post("/api/sync/push", json={"entries": [stop_search()]})):
        assert answer.status_code == 401 and answer.get_json()["error"] == "token_revoked"
    assert _key(phone.device_id) is not None and _device(phone.device_id).lost_at is None


def test_marking_lost_needs_the_box_ticked(client, admin, post_form, sign_in_device):
    phone = sign_in_device("pc1")
    events = audit_count()
    for data in ({}, {"confirm": ""}):
        response = post_form(_lost_path(phone), data)
        assert response.status_code == 400
        assert "Tick the box to mark this phone lost." in response.get_data(as_text=True)
    assert _device(phone.device_id).lost_at is None and _key(phone.device_id) is not None
    assert phone.get("/api/me").status_code == 200
    assert audit_count() == events


def test_marking_lost_needs_a_csrf_token(client, admin, post_form, sign_in_device):
    phone = sign_in_device("pc1")
    response = post_form(_lost_path(phone), CONFIRM, csrf=False)
    assert response.status_code == 400
    assert _device(phone.device_id).lost_at is None and phone.get("/api/me").status_code == 200


@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_only_admins_mark_phones_lost(client, admin, sign_in_device, signed_in, role):
    phone = sign_in_device("pc1")
    other = signed_in("someone", role=role)
    assert other.client.get(_lost_path(phone)).status_code == 403
    from tests.fixtures.web import csrf_token
    token = csrf_token(other.client, "/no-such-page")
    response = other.client.post(_lost_path(phone), data={"csrf_token": token, **CONFIRM})
    assert response.status_code == 403
    assert _device(phone.device_id).lost_at is None and phone.get("/api/me").status_code == 200


def test_signed_out_visitors_cannot_mark_phones_lost(app, sign_in_device):
    phone = sign_in_device("pc1")
    anonymous = app.test_client()
    assert anonymous.get(_lost_path(phone)).status_code in (302, 401)
    assert anonymous.post(_lost_path(phone), data=CONFIRM).status_code in (302, 400, 401)
    assert _device(phone.device_id).lost_at is None
