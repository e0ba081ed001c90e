"""Reference lists fixed in code (sync.vocabulary) and those that are data (issue #10).

The values of the lists the schema and the rules depend on are defined once,
in sync/vocabulary.py: the database's CHECK constraints are generated from
them, and a reference file that does not hold exactly those values stops
start-up with one line naming the difference, instead of every push with
such a value failing with 500. Pushes with the other lists edited:
tests/api/test_reference_edits.py.
"""

import ast
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import CheckConstraint

import sync
from fieldapp import ConfigError, create_app
from fieldapp.cli import main
from fieldapp.extensions import db
from fieldapp.models import EntryType, ReviewState
from fieldapp.models.checks import in_list
from fieldapp.reference import REFERENCE_FILE, load, stored_in
from sync import vocabulary
from sync.schema import ALL_FIELDS
from tests.servers import free_port

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"
HINT = "the code's values are fixed in sync/vocabulary.py"


def migrations_check_constraints() -> dict[str, str]:
    """Every CHECK constraint the migrations create: its name -> its SQL text (the last one wins)."""
    found = {}
    for path in sorted(MIGRATIONS.glob("0*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "CheckConstraint" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                name = next(k.value for k in node.keywords if k.arg == "name")
                if isinstance(name, ast.Call):  # op.f('ck_...')
                    name = name.args[0]
                found[name.value] = node.args[0].value
    return found


def models_check_constraints() -> dict[str, str]:
    return {constraint.name: str(constraint.sqltext)
            for table in db.metadata.sorted_tables for constraint in table.constraints
            if isinstance(constraint, CheckConstraint)}


def edited_copy(tmp_path: Path, edit) -> Path:
    """A copy of the shipped reference file with ``edit(lists)`` applied."""
    doc = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    edit(doc["lists"])
    path = tmp_path / "reference.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# --- the values fixed in code, and the schema ----------------------------------------------------

def test_the_models_check_constraints_are_exactly_the_migrations():
    """The generated CHECK constraints are word for word those migration 0001 wrote by hand.

    (Alembic's comparison in test_migrations does not look at CHECK constraints.)
    """
    models, migrations = models_check_constraints(), migrations_check_constraints()
    assert models == migrations
    assert models["ck_encounters_kind"] == (
        "kind IN ('stop_search', 'stop_account', 'asb', 'begging', 'welfare_check', 'other')")
    assert models["ck_reviews_grounds_assessment"] == (
        "grounds_assessment IS NULL OR grounds_assessment IN ('reasonable', 'weak', 'insufficient')")


@pytest.mark.parametrize(("constraint", "values"), [
    ("ck_entries_type", vocabulary.ENTRY_TYPES),
    ("ck_entries_review_state", vocabulary.REVIEW_STATES),
    ("ck_encounters_kind", vocabulary.ENCOUNTER_KINDS),
    ("ck_postbox_visits_box_condition", vocabulary.BOX_CONDITIONS),
    ("ck_postbox_items_anonymity", vocabulary.ANONYMITY),
    ("ck_postbox_items_urgency", vocabulary.URGENCY),
    ("ck_postbox_placements_site_type", vocabulary.SITE_TYPES),
    ("ck_reviews_decision", vocabulary.REVIEW_DECISIONS),
    ("ck_reviews_grounds_assessment", vocabulary.GROUNDS_ASSESSMENTS),
])
def test_each_check_constraint_allows_exactly_the_code_values(constraint, values):
    text = models_check_constraints()[constraint]
    assert text.endswith(" IN (" + ", ".join(f"'{value}'" for value in values) + ")")


def test_the_code_names_each_value_once():
    assert set(vocabulary.FIXED_LISTS) == {
        "encounter_kinds", "box_conditions", "anonymity", "urgency", "site_types",
        "review_decisions", "grounds_assessments", "grounds_warnings",
    }
    assert vocabulary.FIXED_LISTS["encounter_kinds"] is vocabulary.ENCOUNTER_KINDS
    assert tuple(EntryType) == vocabulary.ENTRY_TYPES
    assert tuple(ReviewState) == vocabulary.REVIEW_STATES
    assert sync.ENTRY_TYPES == set(vocabulary.ENTRY_TYPES)


def test_in_list_quotes_values_as_sql_strings():
    assert in_list("kind", ("a", "b")) == "kind IN ('a', 'b')"
    assert in_list("note", ["it's"]) == "note IN ('it''s')"
    assert in_list("grade", ("x",), nullable=True) == "grade IS NULL OR grade IN ('x')"
    for column, values in (("kind; DROP TABLE x", ("a",)), ("kind", ()), ("kind", (1,))):
        with pytest.raises(ValueError):
            in_list(column, values)


# --- the shipped file --------------------------------------------------------------------------------

def test_the_shipped_file_holds_exactly_the_code_values():
    lists = load(REFERENCE_FILE)
    for name, values in vocabulary.FIXED_LISTS.items():
        assert lists.values(name) == set(values), name


def test_every_list_an_entry_field_reads_is_checked_against_its_column():
    """No list escapes the length check: each one a field reads is mapped to the column storing it."""
    read = {field.list_name for field in ALL_FIELDS if field.list_name}
    assert set(stored_in()) == read
    assert [column.type.length for column in stored_in()["topics"]] == [40]


# --- a file the code cannot work with stops start-up -------------------------------------------------

def _append(name, value):
    return lambda lists: lists[name].append({"value": value, "label": value.title()})


def _remove(name, value):
    return lambda lists: lists.__setitem__(name, [i for i in lists[name] if i["value"] != value])


def _rename(name, old, new):
    return lambda lists: [item.update(value=new) for item in lists[name] if item["value"] == old]


REFUSED = [
    pytest.param(_append("encounter_kinds", "foo"),
                 f"list 'encounter_kinds' has 'foo' which the code does not know; {HINT}", id="a new kind"),
    pytest.param(_remove("encounter_kinds", "begging"),
                 f"list 'encounter_kinds' lacks 'begging' which the code needs; {HINT}", id="a kind removed"),
    pytest.param(_rename("box_conditions", "full", "overflowing"),
                 f"list 'box_conditions' has 'overflowing' which the code does not know; {HINT}",
                 id="a box condition renamed"),
    pytest.param(_append("review_decisions", "escalated"),
                 f"list 'review_decisions' has 'escalated' which the code does not know; {HINT}",
                 id="a new review decision"),
    pytest.param(_remove("grounds_assessments", "weak"),
                 f"list 'grounds_assessments' lacks 'weak' which the code needs; {HINT}",
                 id="a grounds assessment removed"),
    pytest.param(_append("site_types", "library"),
                 f"list 'site_types' has 'library' which the code does not know; {HINT}", id="a new site type"),
    pytest.param(lambda lists: lists.pop("urgency"),
                 "list 'urgency' is missing; it must hold the code's values 'immediate_risk', 'priority', "
                 "'routine' (fixed in sync/vocabulary.py)", id="a fixed list removed"),
    pytest.param(_append("topics", "x" * 41),
                 f"list 'topics' has '{'x' * 41}', longer than the 40 characters the database keeps for it",
                 id="a topic too long to store"),
    pytest.param(_append("asb_actions", "community_protection_notice"),
                 "list 'asb_actions' has 'community_protection_notice', longer than the 20 characters "
                 "the database keeps for it", id="an ASB action too long to store"),
]


@pytest.mark.parametrize(("edit", "problem"), REFUSED)
def test_create_app_refuses_the_file_with_one_line(tmp_path, monkeypatch, edit, problem):
    path = edited_copy(tmp_path, edit)
    monkeypatch.setenv("FIELDAPP_REFERENCE_FILE", str(path))
    with pytest.raises(ConfigError) as refused:
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert str(refused.value) == f"{path}: {problem}"


@pytest.mark.parametrize(("edit", "problem"), REFUSED[:2])
def test_fieldapp_serve_stops_with_the_line(tmp_path, empty_database_url, edit, problem):
    path = edited_copy(tmp_path, edit)
    env = {"FIELDAPP_DATABASE_URL": empty_database_url, "FIELDAPP_INSTANCE_PATH": str(tmp_path / "inst"),
           "FIELDAPP_REFERENCE_FILE": str(path)}
    result = CliRunner().invoke(main, ["serve", "--port", str(free_port())], env=env, catch_exceptions=False)
    assert result.exit_code == 1
    assert result.output == f"Error: {path}: {problem}\n"


def test_a_file_that_is_not_json_is_one_line(tmp_path, monkeypatch):
    path = tmp_path / "reference.json"
    path.write_text('{"version": "1", "lists": {', encoding="utf-8")
    monkeypatch.setenv("FIELDAPP_REFERENCE_FILE", str(path))
    with pytest.raises(ConfigError, match=r"reference\.json: not valid JSON: Expecting") as refused:
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert "\n" not in str(refused.value)


def test_a_missing_file_names_the_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAPP_REFERENCE_FILE", str(tmp_path / "nowhere.json"))
    with pytest.raises(ConfigError) as refused:
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert str(refused.value) == (f"FIELDAPP_REFERENCE_FILE '{tmp_path / 'nowhere.json'}' cannot be read: "
                                  "No such file or directory.")


@pytest.mark.parametrize("edit", [
    pytest.param(lambda lists: lists["encounter_kinds"].reverse(), id="fixed list reordered"),
    pytest.param(lambda lists: lists["urgency"][0].update(label="Now"), id="fixed list label changed"),
    pytest.param(_append("topics", "dog-fouling"), id="a topic added"),
    pytest.param(_remove("legislation", "Deer Act 1991 (section 12)"), id="an act removed"),
])
def test_labels_order_and_data_lists_are_edited_freely(tmp_path, monkeypatch, edit):
    path = edited_copy(tmp_path, edit)
    monkeypatch.setenv("FIELDAPP_REFERENCE_FILE", str(path))
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance")})
    assert app.config["REFERENCE_FILE"] == path
