"""schemathesis against GET /api/openapi.json: no 5xx, and every response matches the document.

The document is fetched from the real app (in-process, over WSGI) and checked against the
OpenAPI 3.1 meta-schema. Then, for every operation, schemathesis sends its examples,
coverage cases and a bounded number of generated ones (valid and invalid) through the same
app, signed in with a real device token of an officer who has pushed real entries (so ids
exist, versions and a review can be pulled), and runs all of its default checks: no server
error, documented status code, content type, headers and response schema, invalid data
rejected, valid data accepted, authentication enforced, undocumented methods refused.
(schemathesis leaves out GET /api/openapi.json itself: it is where the document came from.)
Derandomized so CI is stable; each test function gets a fresh database (the ``app`` fixture).
"""

from __future__ import annotations

import hashlib
import uuid
import zlib
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.config import SchemathesisConfig
from schemathesis.transport.serialization import serialize_binary
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Device, Entry
from fieldapp.photos import looks_like
from fieldapp.review.operations import add_review
from fieldapp.accounts.tokens import make_device_token
from tests.factories import edit, encounter, item, stop_search, visit
from tests.fixtures.app import TEST_PASSWORD
from tests.images import png

SIGN_OUT = ("DELETE", "/api/auth/token")
PUT_PHOTO = ("PUT", "/api/entries/{entry_id}/photos/{photo_id}")
PNG = png(extra=b"\x00")  # a real PNG: the server checks the structure

CONFIG = {
    "generation": {"deterministic": True},
    # The tokens are a throwaway test database's: show every header and value in the
    # reproduction commands (by default `author` is hidden too, as it contains "auth").
    "output": {"sanitization": {"enabled": False}},
}


@dataclass
class Officer:
    """The signed-in officer the API is fuzzed as, and what they have stored."""

    token: str
    user_id: int
    entry_ids: list[str]
    photo_path: dict[str, str]

    def fresh_token(self) -> str:
        """A token of a new device of the same officer, straight from the database.

        Not through POST /api/auth/token: by then the fuzzed sign-ins may have used up the
        throttle of the test client's address.
        """
        device = Device(user_id=self.user_id, name="Throwaway phone")
        db.session.add(device)
        db.session.commit()
        return make_device_token(device.id, self.user_id)[0]


@pytest.fixture
def field_officer(app, officer, postbox, create_user) -> Officer:
    """PC1 with a few real entries of every type: an edit, a photo, and a supervisor's decision."""
    searched, asb = stop_search(), encounter("asb")
    box_visit = visit(postbox)
    card = item(box_visit["id"], anonymity="contact_requested", contact_details="07700 900123")
    results = officer.push(searched, asb, box_visit, card)
    assert [r["status"] for r in results] == ["created"] * 4
    [edited] = officer.push(edit(searched, notes="Witness details added."))
    assert edited["status"] == "updated"
    photo_path = {"entry_id": searched["id"], "photo_id": str(uuid.uuid4())}
    photo = officer.put("/api/entries/{entry_id}/photos/{photo_id}".format(**photo_path), data=PNG,
                        headers={"Content-Type": "image/png", "X-Content-SHA256": hashlib.sha256(PNG).hexdigest()})
    assert photo.status_code == 201
    sergeant = create_user("sergeant", role="supervisor", display_name="PS Jo Hughes")
    add_review(db.session.get(Entry, uuid.UUID(asb["id"])), sergeant, "returned", "Say where he went.")
    user_id = db.session.scalar(select(Entry.author_id).where(Entry.id == uuid.UUID(asb["id"])))
    return Officer(officer.token, user_id, [searched["id"], asb["id"], box_visit["id"], card["id"]], photo_path)


@pytest.fixture
def api_schema(app, field_officer):
    """The document as the app serves it, validated against the OpenAPI 3.1 meta-schema, with
    the officer's device token as the ``bearer`` credentials of every case."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG))
    schema.validate()
    assert schema.raw_schema["openapi"].startswith("3.1.")
    # Intended: 201 entries or more in one push are refused with 413, as the document says;
    # schemathesis does not count 413 as rejecting invalid data unless told.
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]

    # Set by schemathesis, so that its negative cases can leave the token out or spoil it.
    # No caching (refresh_interval=None), and so no silent re-sign-in after a 401 either.
    @schema.auth(refresh_interval=None)
    class DeviceToken:
        def get(self, case, context):
            if (case.method.upper(), case.operation.path) == SIGN_OUT:
                # Signing out revokes the token it is called with: each call gets a device of its
                # own. By the method sent, not the operation's: schemathesis also tries other
                # methods on each path, DELETE among them.
                return field_officer.fresh_token()
            return field_officer.token

        def set(self, case, token, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


def _pick(value: object, choices: list) -> object:
    """One of ``choices``, the same for the same ``value`` on every run."""
    return choices[zlib.crc32(repr(value).encode()) % len(choices)]


def _uses_real_entry(case, officer: Officer) -> None:
    """Point most valid cases with an ``entry_id`` at one of the officer's entries, so that the
    code past the existence check runs too; one in five keeps its generated id (and its 404)."""
    if "entry_id" not in (case.path_parameters or {}) or not case.meta.generation.mode.is_positive:
        return
    entry_id = _pick(case.path_parameters["entry_id"], [*officer.entry_ids, None])
    if entry_id is not None:
        case.path_parameters["entry_id"] = entry_id


def _photo_can_be_accepted(case, officer: Officer) -> bool:
    """Give most valid uploads to the officer's own entries the digest of their bytes, so that
    they get past the digest check; say whether the upload can then be accepted at all.

    Intended: what JSON Schema cannot say, the server checks and the document describes. A
    digest that does not match the bytes is a 422 (`digest_mismatch`), bytes that are not the
    declared format a 400 (`invalid_image`), whatever schemathesis thinks of the values alone.
    """
    data = serialize_binary(case.body)
    digest = hashlib.sha256(data).hexdigest()
    if case.path_parameters["entry_id"] in officer.entry_ids and _pick(data, [True, True, True, False]):
        case.headers["X-Content-SHA256"] = digest
    return case.headers.get("X-Content-SHA256", "").lower() == digest and looks_like(case.media_type, data)


@schema.parametrize()
# The fixtures are function-scoped on purpose: one database for the whole run of every operation.
# too_slow: generating push bodies from the Entry schemas can be slow on a busy CI machine.
@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_operation_matches_the_document(case, field_officer):
    operation = (case.operation.method.upper(), case.operation.path)
    _uses_real_entry(case, field_officer)
    excluded = []
    positive = case.meta.generation.mode.is_positive
    if operation == PUT_PHOTO and positive and not _photo_can_be_accepted(case, field_officer):
        excluded.append(positive_data_acceptance)
    if operation in {("GET", "/api/sync/pull"), ("GET", "/api/entries")} and (case.query or {}).get("cursor"):
        # Intended: a cursor is opaque (the document says so); any string is a valid *type* for
        # it, but only one this server gave back is accepted, others are a documented 400.
        excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded)


def test_responses_fuzzing_cannot_reach(api_schema, field_officer, sign_in_device):
    """A real sign-in, a 304, a supervisor's reads of an entry and its photo, a sign-out and
    what the signed-out token gets: sent as schemathesis cases, all default checks."""
    def send(operation_id, expected_status, token=None, **parts):
        case = api_schema.find_operation_by_id(operation_id).Case(**parts)
        headers = {"Authorization": f"Bearer {token}"} if token else None
        response = case.call_and_validate(headers=headers)
        assert response.status_code == expected_status, response.text
        return response

    send("createToken", 201, body={"username": "pc1", "password": TEST_PASSWORD, "device_name": "Spare phone"},
         media_type="application/json")
    etag = send("getReference", 200, field_officer.token).headers["etag"][0]
    send("getReference", 304, field_officer.token, headers={"If-None-Match": etag})
    sergeant = sign_in_device("sergeant").token
    send("getEntry", 200, sergeant, path_parameters={"entry_id": field_officer.entry_ids[-1]})
    send("getPhoto", 200, sergeant, path_parameters=field_officer.photo_path)
    send("revokeToken", 204, field_officer.token)
    assert send("getMe", 401, field_officer.token).json()["error"] == "token_revoked"
