"""fieldapp.access's tables walked for every role: the entries each role's reach shows (API and review
page), every restricted field (left out of the API, a placeholder on the review page, in no export,
each showing logged) and the photos (fetched only by PHOTO_VIEWERS, added only by the author).

A restricted field added to RESTRICTED_FIELDS is covered here once HOLDING says how to make an
entry holding it."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest

from fieldapp.access import PHOTO_VIEWERS, REACH, RESTRICTED_FIELDS, REVIEWERS, Reach, RestrictedField
from fieldapp.models import ROLE_LABELS, ROLES, Encounter, PostboxItem, PostboxVisit, Role, User
from fieldapp.models.checks import in_list
from fieldapp.review.detail import HIDDEN
from sync.schema import ENCOUNTER_FIELDS, POSTBOX_ITEM_FIELDS, POSTBOX_VISIT_FIELDS
from sync.vocabulary import ENTRY_TYPES
from tests.factories import item, stop_search, visit
from tests.fixtures.rows import audit_events
from tests.fixtures.web import AuthActions
from tests.images import png

PNG = png(extra=b"\x00")  # a real PNG: the server checks the structure
#: Each entry type's fields as pushed, and the table its content is stored (and exported) from.
STORED = {
    "encounter": (ENCOUNTER_FIELDS, Encounter.__table__),
    "postbox_visit": (POSTBOX_VISIT_FIELDS, PostboxVisit.__table__),
    "postbox_item": (POSTBOX_ITEM_FIELDS, PostboxItem.__table__),
}


def _contact_card(postbox_id: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    box_visit = visit(postbox_id)
    card = item(box_visit["id"], anonymity="contact_requested", contact_details="07700 900123, flat 4")
    return [box_visit, card], card


#: (entry type, field) -> a function of a postbox id giving the entries to push and the one holding the field.
HOLDING: dict[tuple[str, str], Callable[[int], tuple[list[dict[str, Any]], dict[str, Any]]]] = {
    ("postbox_item", "contact_details"): _contact_card,
}


def _rule_id(rule: RestrictedField) -> str:
    return f"{rule.entry_type}.{rule.name}"


def test_every_role_is_named_once_with_a_reach_and_a_label():
    assert ROLES == tuple(role.value for role in Role)
    assert set(REACH) == set(ROLE_LABELS) == set(Role)
    [check] = [c for c in User.__table__.constraints if c.name == "ck_users_role"]
    assert str(check.sqltext) == in_list("role", ROLES)
    assert PHOTO_VIEWERS <= set(Role) and REVIEWERS <= set(Role)


@pytest.mark.parametrize("rule", RESTRICTED_FIELDS, ids=_rule_id)
def test_every_restricted_field_is_a_stored_field_with_an_entry_to_test_it(rule):
    fields, table = STORED[rule.entry_type]
    assert rule.name in fields and rule.name in table.c
    assert rule.seen_by <= set(Role)
    assert (rule.entry_type, rule.name) in HOLDING, "say in HOLDING how to make an entry holding it"


def _viewer(role: Role, sign_in_device, create_user, team: str = "Rose Hill"):
    """The author pc1 for an officer, else a new user of ``role``: their phone and a signed-in browser."""
    username = "pc1" if role == Role.OFFICER else f"{role}1"
    device = sign_in_device(username, role=role, team=team)
    return device, username


def _browser(app, username: str):
    browser = app.test_client()
    assert AuthActions(browser).login(username).status_code == 302
    return browser


def _field_shown(html: str, name: str) -> str:
    match = re.search(rf'<dd data-field="{name}">(.*?)</dd>', html, re.S)
    assert match, f"field {name} not on the page"
    return unescape(match.group(1))


@pytest.mark.parametrize("rule", RESTRICTED_FIELDS, ids=_rule_id)
@pytest.mark.parametrize("role", list(Role))
def test_a_restricted_field_reaches_only_its_roles_in_the_api_the_review_page_and_no_export(
        app, sign_in_device, create_user, postbox, role, rule):
    author = sign_in_device("pc1")
    entries, holder = HOLDING[(rule.entry_type, rule.name)](postbox)
    author.push(*entries)
    value = holder["data"][rule.name]
    device, username = _viewer(role, sign_in_device, create_user)
    seen = role in rule.seen_by

    data = device.get(f"/api/entries/{holder['id']}").get_json()["data"]
    assert data.get(rule.name) == (value if seen else None)
    assert rule.name not in data or seen
    shown = audit_events("consult", rule.name)
    assert [e.record_id for e in shown] == ([holder["id"]] if seen else [])

    browser = _browser(app, username)
    html = unescape(browser.get(f"/review/{holder['id']}").get_data(as_text=True))
    assert _field_shown(html, rule.name) == (value if seen else HIDDEN)
    assert (value in html) == seen
    assert len(audit_events("consult", rule.name)) == (2 if seen else 0)

    for entry_type in ENTRY_TYPES:
        response = browser.get(f"/exports/{entry_type}.csv")
        if role not in REVIEWERS:
            assert response.status_code == 403
            continue
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert rule.name not in body.splitlines()[0].split(",") and value not in body


@pytest.mark.parametrize("role", list(Role))
def test_photos_are_fetched_only_by_photo_viewers_and_added_only_by_the_author(
        app, sign_in_device, create_user, role):
    author = sign_in_device("pc1")
    entry = stop_search()
    author.push(entry)
    device, username = _viewer(role, sign_in_device, create_user)
    photo_id = str(uuid.uuid4())
    headers = {"Content-Type": "image/png", "X-Content-SHA256": hashlib.sha256(PNG).hexdigest()}
    api, page = f"/api/entries/{entry['id']}/photos/{photo_id}", f"/review/{entry['id']}/photos/{photo_id}"
    if username != author.username:
        assert device.put(api, data=PNG, headers=headers).status_code == 403
    assert author.put(api, data=PNG, headers=headers).status_code == 201
    may = role in PHOTO_VIEWERS

    response = device.get(api)
    assert response.status_code == (200 if may else 404)
    assert (response.data == PNG) == may

    browser = _browser(app, username)
    assert (page in browser.get(f"/review/{entry['id']}").get_data(as_text=True)) == may
    response = browser.get(page)
    assert response.status_code == (200 if may else 403)
    if may:
        assert response.headers["Cache-Control"] == "no-store"
    assert len(audit_events("consult", "photo")) == (2 if may else 0)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_the_entries_of_its_reach(app, sign_in_device, create_user, role):
    own, team_mate, other_team = stop_search(), stop_search(), stop_search()
    sign_in_device("pc1").push(own)
    sign_in_device("pc2").push(team_mate)
    sign_in_device("pc9", team="Cowley").push(other_team)
    device, username = _viewer(role, sign_in_device, create_user)
    expected = {Reach.OWN: [own], Reach.TEAM: [own, team_mate],
                Reach.ALL: [own, team_mate, other_team]}[REACH[role]]
    expected_ids = {e["id"] for e in expected}

    listed = {e["id"] for e in device.get("/api/entries").get_json()["entries"]}
    assert listed == expected_ids
    browser = _browser(app, username)
    for entry in (own, team_mate, other_team):
        status = 200 if entry["id"] in expected_ids else 404
        assert device.get(f"/api/entries/{entry['id']}").status_code == status
        assert browser.get(f"/review/{entry['id']}").status_code == status
