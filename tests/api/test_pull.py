"""GET /api/sync/pull: decisions and new versions of the officer's own entries, by cursor."""

import pytest

from fieldapp.extensions import db
from fieldapp.review.operations import ReviewError, add_review
from tests.factories import edit, stop_search
from tests.fixtures.rows import stored


@pytest.fixture
def sergeant(create_user):
    return create_user("sergeant", role="supervisor", display_name="PS Jo Hughes")


def test_a_decision_reaches_the_officer(officer, sergeant):
    entry = stop_search()
    officer.push(entry)
    assert officer.pull()["changes"] == []
    add_review(stored(entry), sergeant, "returned", "Grounds need the time you saw the exchange.")
    body = officer.pull()
    [change] = body["changes"]
    assert change["id"] == entry["id"] and change["type"] == "encounter" and change["version"] == 1
    assert change["review"]["decision"] == "returned"
    assert change["review"]["comment"] == "Grounds need the time you saw the exchange."
    assert change["review"]["reviewer"] == "PS Jo Hughes"
    assert body["more"] is False
    # From the cursor on, nothing new.
    assert officer.pull(body["cursor"])["changes"] == []


def test_the_cursor_pages_through_every_change(officer, sergeant):
    entries = [stop_search() for _ in range(7)]
    officer.push(*entries)
    for entry in entries:
        add_review(stored(entry), sergeant, "approved")
    seen, cursor, pages = [], None, 0
    while True:
        body = officer.pull(cursor, limit=3)
        seen += [c["id"] for c in body["changes"]]
        cursor, pages = body["cursor"], pages + 1
        if not body["more"]:
            break
    assert seen == [e["id"] for e in entries] and pages == 3


def test_new_versions_made_elsewhere_are_pulled(officer, sign_in_device):
    entry = stop_search()
    officer.push(entry)
    second_phone = sign_in_device("pc1", device_name="Spare phone")
    second_phone.push(edit(entry, notes="Added on the spare phone"))
    [change] = officer.pull()["changes"]
    assert change == {"id": entry["id"], "type": "encounter", "version": 2, "review": None}


def test_officers_pull_only_their_own(officer, sign_in_device, sergeant):
    entry = stop_search()
    officer.push(entry)
    add_review(stored(entry), sergeant, "flagged", "Escalated to the inspector.")
    other = sign_in_device("pc2")
    assert other.pull()["changes"] == []


def test_a_returned_entry_fixed_and_resent_is_unreviewed_again(officer, sergeant):
    entry = stop_search()
    officer.push(entry)
    add_review(stored(entry), sergeant, "returned", "Add the vehicle registration.")
    assert stored(entry).review_state == "returned"
    [result] = officer.push(edit(entry, notes="Fixed as asked."))
    assert result["status"] == "updated"
    db.session.expire_all()
    assert stored(entry).review_state == "unreviewed" and stored(entry).version == 2


def test_returning_without_a_comment_is_refused(officer, sergeant):
    entry = stop_search()
    officer.push(entry)
    with pytest.raises(ReviewError):
        add_review(stored(entry), sergeant, "returned", "  ")


@pytest.mark.parametrize(("query", "field"), [({"cursor": "garbage!"}, "cursor"), ({"limit": "0"}, "limit"),
                                              ({"limit": "501"}, "limit"), ({"limit": "ten"}, "limit")])
def test_bad_cursor_or_limit_is_400(officer, query, field):
    response = officer.get("/api/sync/pull", query_string=query)
    assert response.status_code == 400 and field in response.get_json()["errors"]


def test_a_non_ascii_digit_limit_is_400_not_500(officer):
    assert officer.get("/api/sync/pull", query_string={"limit": "²"}).status_code == 400
