"""Pushes with an edited reference file (issue #10): the data lists are edited freely, never a 500.

Each test runs its app on a copy of fieldapp/data/reference.json with one
edit (FIELDAPP_REFERENCE_FILE). Edits the code cannot work with stop
start-up instead: tests/test_reference_lists.py.
"""

import json
import uuid

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Encounter, Entry, PostboxItem, PostboxItemTopic
from fieldapp.reference import REFERENCE_FILE, reference_lists
from tests.factories import encounter, item, stop_search, visit

LONGEST_TOPIC = "community-safety-partnership-forum-issue"  # 40 characters, the column's limit


def _append(name, value, label=None):
    return lambda lists: lists[name].append({"value": value, "label": label or value})


def _relabel(name, value, label):
    return lambda lists: [i.update(label=label) for i in lists[name] if i["value"] == value]


def _remove(name, value):
    return lambda lists: lists.__setitem__(name, [i for i in lists[name] if i["value"] != value])


@pytest.fixture
def reference_file(request, tmp_path, monkeypatch):
    """A copy of the shipped reference file with the test's edit, which the app is started on."""
    doc = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    request.param(doc["lists"])
    doc["version"] += ".edited"
    path = tmp_path / "reference.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setenv("FIELDAPP_REFERENCE_FILE", str(path))
    return path


@pytest.fixture
def app(reference_file, app):
    """The suite's app, created once FIELDAPP_REFERENCE_FILE names the edited copy."""
    assert app.config["REFERENCE_FILE"] == reference_file
    return app


def statuses(results):
    return [result["status"] for result in results]


@pytest.mark.parametrize("reference_file", [_append("topics", "dog-fouling", "Dog fouling")], indirect=True)
def test_a_new_topic_is_offered_and_stored(officer, postbox):
    body = officer.get("/api/reference").get_json()
    assert {"value": "dog-fouling", "label": "Dog fouling"} in body["lists"]["topics"]
    assert body["version"].endswith(".edited")
    box = visit(postbox)
    card = item(box["id"], topics=["dog-fouling", "drugs"])
    assert statuses(officer.push(box, card)) == ["created", "created"]
    stored = db.session.scalars(select(PostboxItemTopic.topic).where(
        PostboxItemTopic.item_id == uuid.UUID(card["id"]))).all()
    assert sorted(stored) == ["dog-fouling", "drugs"]


@pytest.mark.parametrize("reference_file", [_append("topics", LONGEST_TOPIC)], indirect=True)
def test_a_topic_as_long_as_the_column_holds_is_stored(officer, postbox):
    """On PostgreSQL a longer value would be refused by the database: start-up refuses it instead."""
    assert len(LONGEST_TOPIC) == 40
    box = visit(postbox)
    assert statuses(officer.push(box, item(box["id"], topics=[LONGEST_TOPIC]))) == ["created", "created"]


@pytest.mark.parametrize("reference_file", [_append("genders", "Prefer not to say")], indirect=True)
def test_a_new_gender_is_stored(officer):
    entry = stop_search(gender="Prefer not to say")
    assert statuses(officer.push(entry)) == ["created"]
    assert db.session.get(Encounter, uuid.UUID(entry["id"])).gender == "Prefer not to say"


@pytest.mark.parametrize("reference_file", [_append("asb_actions", "cpn", "Community protection notice")],
                         indirect=True)
def test_a_new_asb_action_is_stored(officer):
    entry = encounter("asb", asb_action="cpn")
    assert statuses(officer.push(entry)) == ["created"]
    assert db.session.get(Encounter, uuid.UUID(entry["id"])).asb_action == "cpn"


@pytest.mark.parametrize("reference_file", [_append("item_actions", "council_referral")], indirect=True)
def test_a_new_item_action_is_stored(officer, postbox):
    box = visit(postbox)
    card = item(box["id"], action="council_referral")
    assert statuses(officer.push(box, card)) == ["created", "created"]
    assert db.session.get(PostboxItem, uuid.UUID(card["id"])).action == "council_referral"


@pytest.mark.parametrize("reference_file", [_remove("topics", "parking")], indirect=True)
def test_a_removed_topic_is_refused_with_the_good_entries_kept(officer, postbox):
    box = visit(postbox)
    old, good = item(box["id"], topics=["parking"]), item(box["id"])
    results = officer.push(box, old, good)
    assert statuses(results) == ["created", "rejected", "created"]
    assert "topics" in results[1]["errors"]
    assert db.session.get(Entry, uuid.UUID(old["id"])) is None


@pytest.mark.parametrize("reference_file", [_relabel("encounter_kinds", "asb", "ASB")], indirect=True)
def test_a_fixed_list_is_relabelled(officer):
    assert reference_lists().label("encounter_kinds", "asb") == "ASB"
    kinds = officer.get("/api/reference").get_json()["lists"]["encounter_kinds"]
    assert {"value": "asb", "label": "ASB"} in kinds
    [result] = officer.push(encounter("asb", support_offered=True))
    assert result["status"] == "rejected" and result["errors"]["support_offered"] == "Not used for ASB."
    assert statuses(officer.push(encounter("asb"), encounter("welfare_check"))) == ["created", "created"]


@pytest.mark.parametrize("reference_file", [_append("topics", "dog-fouling", "Dog fouling")], indirect=True)
def test_the_api_document_and_the_admin_page_describe_the_file_in_use(reference_file, client, admin):
    document = json.dumps(client.get("/api/openapi.json").get_json())
    assert "dog-fouling" in document
    page = client.get("/admin/reference").get_data(as_text=True)
    assert str(reference_file) in page and "Dog fouling" in page
