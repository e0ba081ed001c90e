"""GET /api/entries/{id} names the fields it withholds from the caller, so that a phone keeps its own copy."""

import pytest

from tests.factories import item, stop_search, visit


@pytest.fixture
def readers(sign_in_device, officer):
    return {"pc1": officer, "sergeant": sign_in_device("sergeant", role="supervisor"),
            "admin": sign_in_device("admin1", role="admin", team="Headquarters")}


@pytest.mark.parametrize(("reader", "withheld"), [("pc1", ["contact_details"]), ("sergeant", []), ("admin", [])])
def test_a_card_names_the_contact_details_withheld_from_officers(readers, postbox, reader, withheld):
    the_visit = visit(postbox)
    card = item(the_visit["id"], anonymity="contact_requested", contact_details="07700 900123")
    readers["pc1"].push(the_visit, card)
    body = readers[reader].get(f"/api/entries/{card['id']}").get_json()
    assert body["withheld"] == withheld
    assert ("contact_details" in body["data"]) == (not withheld)


def test_withheld_is_named_even_when_the_entry_holds_no_such_value(readers, postbox):
    """Whether a card holds contact details is not given away by the list."""
    the_visit = visit(postbox)
    card = item(the_visit["id"], anonymity="anonymous")
    readers["pc1"].push(the_visit, card)
    assert readers["pc1"].get(f"/api/entries/{card['id']}").get_json()["withheld"] == ["contact_details"]


def test_nothing_is_withheld_of_an_encounter_or_a_visit(readers, postbox):
    entries = [stop_search(), visit(postbox)]
    readers["pc1"].push(*entries)
    for entry in entries:
        assert readers["pc1"].get(f"/api/entries/{entry['id']}").get_json()["withheld"] == []
