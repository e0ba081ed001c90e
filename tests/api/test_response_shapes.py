"""Every answer of the API has the shape the document declares for it (fieldapp/api/shapes.py).

The routes build their JSON by hand and nothing checks it against the shapes at run time, so
these tests do: real responses through the test client, validated with jsonschema-rs (formats
included) against the document the app serves, with every object schema there closed
(``additionalProperties: false``), so a field the code adds, renames, drops or retypes fails here
until its shape says the same. Every success answer the document lists is produced at least once;
the errors of each endpoint are checked against the one Error shape. The content of stored entries,
as GET /api/entries/{id} returns it, must fit the data schema that pushes are checked against.

And the shapes cost the push path nothing: pydantic is not imported until the document is asked for.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from sqlalchemy import select, update

from fieldapp.extensions import db
from fieldapp.models import Device, Entry, User
from fieldapp.review.operations import add_review
from sync import Status
from tests.factories import edit, encounter, item, stop_search, visit
from tests.images import png

PASSWORD = "a password for shapes"
PNG = png(extra=b"\x00")  # a real PNG: the server checks the structure
DATA_SCHEMAS = {"encounter": "EncounterData", "postbox_visit": "PostboxVisitData", "postbox_item": "PostboxItemData"}


def _closed(node: Any) -> Any:
    """``node`` with every object schema that lists its properties closed to any other."""
    if isinstance(node, list):
        return [_closed(value) for value in node]
    if not isinstance(node, dict):
        return node
    out = {key: _closed(value) for key, value in node.items()}
    if isinstance(out.get("properties"), dict) and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


class Shapes:
    """Checks answers against the served document, and remembers which documented answers it saw."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.components = _closed(document["components"])
        self.seen: set[tuple[str, str, str]] = set()

    def validate(self, schema: dict[str, Any], instance: Any, what: str) -> None:
        """Fail with every place ``instance`` does not fit ``schema`` (refs into the document's components)."""
        root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "components": self.components, **schema}
        validator = jsonschema_rs.validator_for(root, validate_formats=True)
        problems = [f"{'/'.join(map(str, error.instance_path)) or '(body)'}: {error.message}"
                    for error in validator.iter_errors(instance)]
        assert not problems, f"{what} does not match its shape:\n" + "\n".join(problems)

    def check(self, response, method: str, path: str):
        """Assert ``response`` is an answer the document lists for ``method path``, in its shape."""
        status = str(response.status_code)
        answers = self.document["paths"][path][method]["responses"]
        what = f"{method.upper()} {path} {status}"
        assert status in answers, f"{what} is not in the document: {response.get_data(as_text=True)[:300]}"
        content = answers[status].get("content")
        if content is None:
            assert response.get_data() == b"", f"{what} has a body the document does not declare"
        elif response.mimetype == "application/json":
            self.validate(content["application/json"]["schema"], response.get_json(), what)
        else:
            assert response.mimetype in content, f"{what} is {response.mimetype}, not one of {sorted(content)}"
        self.seen.add((method, path, status))
        return response

    def documented_successes(self) -> set[tuple[str, str, str]]:
        """Every answer below 400 the document lists, as (method, path, status)."""
        return {(method, path, status)
                for path, operations in self.document["paths"].items()
                for method, operation in operations.items() if method != "parameters"
                for status in operation["responses"] if int(status) < 400}


@pytest.fixture
def shapes(client) -> Shapes:
    """The served document, ready to check answers against."""
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    checker = Shapes(response.get_json())
    checker.check(response, "get", "/api/openapi.json")
    return checker


class Phone:
    """A signed-in device whose every answer is checked against the document."""

    def __init__(self, client, shapes: Shapes, token: str) -> None:
        self.client, self.shapes, self.token = client, shapes, token

    def call(self, method: str, path: str, url: str | None = None, headers: dict[str, str] | None = None, **kwargs):
        """Send ``method`` to ``url`` (default ``path``, the document's name for it, with any {parameters})."""
        headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        response = self.client.open(url or path, method=method.upper(), headers=headers, **kwargs)
        return self.shapes.check(response, method, path)


@pytest.fixture
def phone(client, shapes, create_user):
    """Factory: ``phone("pc1", role=...)`` creates the user and signs a device in, checking the answer."""
    def sign_in(username: str, **user) -> Phone:
        create_user(username, password=PASSWORD, **user)
        response = shapes.check(client.post("/api/auth/token", json={
            "username": username, "password": PASSWORD, "device_name": "Shapes phone"}), "post", "/api/auth/token")
        assert response.status_code == 201
        return Phone(client, shapes, response.get_json()["token"])

    return sign_in


ENTRY = "/api/entries/{entry_id}"
PHOTO = "/api/entries/{entry_id}/photos/{photo_id}"


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def _push(device: Phone, *entries: dict[str, Any]) -> list[dict[str, Any]]:
    response = device.call("post", "/api/sync/push", json={"entries": list(entries)})
    assert response.status_code == 200
    return response.get_json()["results"]


def test_every_success_answer_has_its_shape(shapes, phone, postbox):
    """Sign-in, recovery key, reference, every push result, pull, entry pages, each entry type, photos, sign-out."""
    pc = phone("pc1", shoulder_number="PC 1234")
    assert pc.call("get", "/api/me").status_code == 200
    assert pc.call("get", "/api/auth/recovery-key").status_code == 200
    etag = pc.call("get", "/api/reference").headers["ETag"]
    assert pc.call("get", "/api/reference", headers={"If-None-Match": etag}).status_code == 304

    searched, asb, box_visit = stop_search(), encounter("asb"), visit(postbox)
    card = item(box_visit["id"], anonymity="contact_requested", contact_details="07700 900123")
    results = _push(pc, searched, asb, box_visit, card, {"id": 7, "type": "encounter"})
    results += _push(pc, searched, edit(asb, notes="He left towards the park."))
    results += _push(pc, edit(asb, notes="Went home."))  # also based on version 1: a conflict
    assert {result["status"] for result in results} == {str(status) for status in Status}

    sergeant = phone("sergeant", role="supervisor")
    add_review(db.session.get(Entry, uuid.UUID(searched["id"])), _user("sergeant"), "approved",
               grounds_assessment="reasonable", bwv_viewed=True)
    first = pc.call("get", "/api/sync/pull", query_string={"limit": 1}).get_json()
    rest = pc.call("get", "/api/sync/pull", query_string={"cursor": first["cursor"]}).get_json()
    assert any(change["review"] for change in first["changes"] + rest["changes"])

    page = pc.call("get", "/api/entries", query_string={"limit": 1}).get_json()
    assert page["cursor"] is not None
    assert pc.call("get", "/api/entries", query_string={"type": "encounter"}).get_json()["cursor"] is None

    photo = {"entry_id": searched["id"], "photo_id": str(uuid.uuid4())}
    upload = {"data": PNG, "headers": {"Content-Type": "image/png",
                                       "X-Content-SHA256": hashlib.sha256(PNG).hexdigest()}}
    assert pc.call("put", PHOTO, PHOTO.format(**photo), **upload).status_code == 201
    assert pc.call("put", PHOTO, PHOTO.format(**photo), **upload).status_code == 200

    for entry in (searched, asb, box_visit, card):
        detail = sergeant.call("get", ENTRY, ENTRY.format(entry_id=entry["id"])).get_json()
        shapes.validate({"$ref": f"#/components/schemas/{DATA_SCHEMAS[detail['type']]}"}, detail["data"],
                        f"the stored data of a {detail['type']}")
    assert "contact_details" in detail["data"]
    assert sergeant.call("get", PHOTO, PHOTO.format(**photo)).get_data() == PNG

    assert pc.call("delete", "/api/auth/token").status_code == 204
    assert shapes.seen >= shapes.documented_successes(), sorted(shapes.documented_successes() - shapes.seen)


def test_error_answers_have_the_error_shape(app, client, shapes, phone):
    """Each endpoint's refusals that a client can cause: documented statuses, in the Error shape."""
    pc, other, sergeant = phone("pc1"), phone("pc2"), phone("sergeant", role="supervisor")
    stranger = Phone(client, shapes, "not-a-token")
    sign_in = "/api/auth/token"

    def signing_in(expected: int, **request) -> None:
        assert shapes.check(client.post(sign_in, **request), "post", sign_in).status_code == expected

    signing_in(400, json={"username": "pc1"})
    signing_in(413, data=b"{" + b" " * 20_000, content_type="application/json")
    signing_in(415, data="pc1", content_type="text/plain")
    assert stranger.call("get", "/api/me").status_code == 401
    assert stranger.call("delete", sign_in).status_code == 401
    assert stranger.call("get", "/api/auth/recovery-key").status_code == 401
    keyless = phone("pc3")
    device_id = db.session.scalar(select(Device.id).where(Device.user_id == _user("pc3").id))
    db.session.execute(update(Device).where(Device.id == device_id).values(recovery_key=None))
    db.session.commit()
    assert keyless.call("get", "/api/auth/recovery-key").status_code == 404  # signed in before keys existed

    push = "/api/sync/push"
    assert pc.call("post", push, json={"entries": []}).status_code == 400
    assert pc.call("post", push, json={"entries": [{}] * 201}).status_code == 413
    assert pc.call("post", push, data="{}", content_type="text/plain").status_code == 415
    assert pc.call("get", "/api/sync/pull", query_string={"cursor": "nonsense"}).status_code == 400
    assert pc.call("get", "/api/entries", query_string={"type": "bogus"}).status_code == 400
    assert pc.call("get", ENTRY, ENTRY.format(entry_id=uuid.uuid4())).status_code == 404

    [stored] = _push(pc, stop_search())
    photo = {"entry_id": stored["id"], "photo_id": str(uuid.uuid4())}
    url = PHOTO.format(**photo)

    def upload(device: Phone, body: bytes, media: str = "image/png", digest: str | None = None):
        headers = {"Content-Type": media, "X-Content-SHA256": digest or hashlib.sha256(body).hexdigest()}
        return device.call("put", PHOTO, url, data=body, headers=headers).status_code

    assert upload(other, PNG) == 404  # another officer's entry is not theirs to see
    assert upload(sergeant, PNG) == 403  # seen, but only its author adds photos
    assert upload(pc, PNG, digest="0" * 64) == 422
    assert upload(pc, PNG, digest="not hex") == 400
    assert upload(pc, PNG, media="image/gif") == 415
    assert upload(pc, PNG) == 201
    assert upload(pc, png(extra=b"\x02")) == 409  # other bytes under the same id
    assert pc.call("get", PHOTO, url).status_code == 404  # officers do not read photos back

    for _ in range(app.config["LOGIN_THROTTLE_LIMIT"]):
        signing_in(401, json={"username": "pc1", "password": "wrong", "device_name": "Phone"})
    signing_in(429, json={"username": "pc1", "password": "wrong", "device_name": "Phone"})
    assert {status for method, path, status in shapes.seen if path == sign_in and method == "post"} >= {
        "400", "401", "413", "415", "429"}


def test_the_sign_in_shape_names_the_fields_the_route_reads():
    from fieldapp.api.shapes import TokenRequest
    from fieldapp.api.token_routes import SIGN_IN_FIELDS

    assert list(TokenRequest.__annotations__) == [*SIGN_IN_FIELDS, "new_password", "device_id"]  # optional, read after


NO_PYDANTIC_ON_THE_PUSH_PATH = """
import sys
from fieldapp import create_app
from fieldapp.accounts.operations import create_user
from fieldapp.extensions import db
from tests.factories import stop_search

app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1], "INSTANCE_PATH": sys.argv[2]})
with app.app_context():
    db.create_all()
    create_user("pc1", "a password for pc1", role="officer", team_name="Rose Hill")
client = app.test_client()
token = client.post("/api/auth/token", json={"username": "pc1", "password": "a password for pc1",
                                              "device_name": "Phone"}).get_json()["token"]
headers = {"Authorization": "Bearer " + token}
push = client.post("/api/sync/push", json={"entries": [stop_search()]}, headers=headers)
pull = client.get("/api/sync/pull", headers=headers)
assert push.status_code == pull.status_code == 200, (push.status_code, pull.status_code)
print("after push and pull:", "pydantic" in sys.modules, "fieldapp.api.shapes" in sys.modules)
assert client.get("/api/openapi.json").status_code == 200
print("after the document:", "pydantic" in sys.modules, "fieldapp.api.shapes" in sys.modules)
"""


def test_the_shapes_cost_the_push_path_nothing(tmp_path):
    """A fresh process signs in, pushes and pulls without importing pydantic or the shapes; the
    first GET /api/openapi.json imports both."""
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-c", NO_PYDANTIC_ON_THE_PUSH_PATH, f"sqlite:///{tmp_path / 'db.sqlite3'}",
         str(tmp_path / "instance")],
        cwd=root, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == ["after push and pull: False False", "after the document: True True"]
