"""POST /api/sync/push at its boundaries: an entry keeps its type, and a reference (a card's visit, a
visit's postbox) stays inside the author's team, with one answer for 'not there' and 'not yours'."""

import uuid

from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import ConflictCopy, Encounter, Entry, EntryVersion, Placement, Postbox, PostboxVisit, Team
from tests.factories import edit, encounter, item, stop_search, visit
from tests.fixtures.rows import count

KEEPS_ITS_TYPE = ("An entry keeps its type: this one is an encounter (encounter); record a new entry instead.")
VISIT_NOT_FOUND = ("The visit this item belongs to is not on the server and not in this batch. "
                   "Send the visit first (or in the same batch).")


def _as_type(entry: dict, new: dict) -> dict:
    """``new`` (another type's entry) sent as the next version of ``entry``."""
    return {**new, "id": entry["id"], "version": entry["version"] + 1, "base_version": entry["version"]}


def _unchanged(entry: dict) -> None:
    row = db.session.get(Entry, uuid.UUID(entry["id"]))
    assert row.type == "encounter" and row.version == 1
    assert db.session.get(Encounter, row.id).grounds == entry["data"]["grounds"]
    assert count(EntryVersion, EntryVersion.entry_id == row.id) == 1
    assert count(PostboxVisit, PostboxVisit.entry_id == row.id) == 0


def test_a_stop_search_sent_again_as_a_visit_is_rejected_and_the_batch_goes_on(officer, postbox):
    search = stop_search()
    officer.push(search)
    other = encounter("asb")
    results = officer.push(_as_type(search, visit(postbox)), other)
    assert results[0] == {"id": search["id"], "status": "rejected", "version": 2, "errors": {"type": KEEPS_ITS_TYPE}}
    assert results[1]["status"] == "created"
    _unchanged(search)


def test_a_stop_search_sent_again_as_a_card_is_rejected_not_500(officer, postbox):
    search, box_visit = stop_search(), visit(postbox)
    officer.push(search, box_visit)
    [result] = officer.push(_as_type(search, item(box_visit["id"])))
    assert result["status"] == "rejected" and result["errors"] == {"type": KEEPS_ITS_TYPE}
    _unchanged(search)


def test_a_visit_keeps_its_type_too_and_its_cards_stay_on_it(officer, postbox):
    box_visit = visit(postbox)
    card = item(box_visit["id"])
    officer.push(box_visit, card)
    [result] = officer.push(_as_type(box_visit, stop_search()))
    assert result["errors"] == {"type": "An entry keeps its type: this one is a postbox visit (postbox_visit); "
                                        "record a new entry instead."}
    assert db.session.get(PostboxVisit, uuid.UUID(box_visit["id"])) is not None
    # The rejected edit was not taken as the visit's new content: a card sent now still finds it.
    assert officer.push(item(box_visit["id"]))[0]["status"] == "created"


def test_a_stale_edit_of_another_type_is_rejected_not_kept_as_a_conflict_copy(officer, postbox):
    search = stop_search()
    officer.push(search)
    officer.push(edit(search, notes="Edited once."))
    [result] = officer.push(_as_type(search, visit(postbox)))  # version 2 again, other content
    assert result["status"] == "rejected" and result["errors"] == {"type": KEEPS_ITS_TYPE}
    assert count(ConflictCopy) == 0


def test_an_encounter_may_change_its_kind(officer):
    # The kind is a field of the one encounters table: the pages and exports read the new kind.
    search = stop_search()
    officer.push(search)
    changed = encounter("stop_account", notes="Not searched after all: a stop and account.")
    [result] = officer.push(_as_type(search, changed))
    assert result["status"] == "updated"
    assert db.session.get(Encounter, uuid.UUID(search["id"])).kind == "stop_account"


def test_a_card_may_name_a_visit_of_a_colleague_of_the_same_team(sign_in_device, postbox):
    pc1, pc2 = sign_in_device("pc1"), sign_in_device("pc2")
    box_visit = visit(postbox)
    pc2.push(box_visit)
    assert pc1.push(item(box_visit["id"]))[0]["status"] == "created"


def test_a_card_naming_another_teams_visit_reads_as_a_visit_not_on_the_server(sign_in_device, postbox):
    pc1, pc9 = sign_in_device("pc1"), sign_in_device("pc9", team="Cowley")
    theirs = visit(_postbox_of("Cowley"))
    assert pc9.push(theirs)[0]["status"] == "created"
    other_team, nowhere = item(theirs["id"]), item(str(uuid.uuid4()))
    results = pc1.push(other_team, nowhere)
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert results[0]["errors"] == results[1]["errors"] == {"visit_id": VISIT_NOT_FOUND}
    assert {k: v for k, v in results[0].items() if k != "id"} == {k: v for k, v in results[1].items() if k != "id"}
    assert count(Entry, Entry.type == "postbox_item") == 0


def test_a_visit_naming_another_teams_postbox_reads_as_an_unknown_postbox(sign_in_device, postbox):
    pc1 = sign_in_device("pc1")
    results = pc1.push(visit(_postbox_of("Cowley")), visit(987654))
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert results[0]["errors"] == results[1]["errors"] == {"postbox_id": "Unknown postbox."}
    assert pc1.push(visit(postbox))[0]["status"] == "created"


def _postbox_of(team_name: str) -> int:
    """A postbox of team ``team_name`` (created with the team if need be); returns its id."""
    team = db.session.scalar(select(Team).where(Team.name == team_name))
    if team is None:
        team = Team(name=team_name)
        db.session.add(team)
        db.session.flush()
    box = Postbox(label=f"PB-{team_name}", team_id=team.id)
    box.placements.append(Placement(site_name="Corner shop", site_type="shop", address="2 High Street",
                                    latitude=51.74, longitude=-1.21))
    db.session.add(box)
    db.session.commit()
    return box.id
