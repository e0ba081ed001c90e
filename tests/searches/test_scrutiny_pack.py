"""/searches/scrutiny: drawing a pack (reproducible from its seed, only the team's stop and searches of the
period), redacting each record's grounds, releasing, what the released pack shows and never shows, the audit
events of each step, and who may do what."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import Entry, User
from fieldapp.models.searches import ScrutinyPack
from fieldapp.periods import LOCAL_ZONE, local_today
from fieldapp.review.operations import add_review
from fieldapp.searches.scrutiny import draw, likely_identifiers, part_of_day
from sync.receipts import new_reference
from tests.factories import encounter, stop_search
from tests.fixtures.rows import audit_events, count, stored
from tests.fixtures.web import AuthActions, csrf_token


@pytest.fixture
def people(create_user, sign_in_device) -> dict:
    """Rose Hill: officer pc1 (phone), supervisor 'sarge'; Cowley: officer pc9 (phone), supervisor 'cowsarge';
    an admin of Rose Hill. Returns the phones by username."""
    create_user("sarge", role="supervisor", team="Rose Hill", display_name="PS Jo Hughes")
    create_user("cowsarge", role="supervisor", team="Cowley", display_name="PS Cowley")
    create_user("boss", role="admin", team="Rose Hill", display_name="Admin")
    return {"pc1": sign_in_device("pc1"), "pc9": sign_in_device("pc9", team="Cowley")}


def local(days_ago: int, hour: int = 14) -> str:
    """An ISO time ``days_ago`` days before today at ``hour`` on the UK clock."""
    day = local_today() - timedelta(days=days_ago)
    moment = datetime(day.year, day.month, day.day, hour, 10, tzinfo=LOCAL_ZONE)
    # Today's afternoon may not have come yet (the server refuses a time in the future): a minute ago then.
    just_now = datetime.now(LOCAL_ZONE) - timedelta(minutes=1)
    return (min(moment, just_now) if days_ago == 0 else moment).isoformat()


def period(first_days_ago: int = 10, last_days_ago: int = 0) -> dict[str, str]:
    today = local_today()
    return {"from": str(today - timedelta(days=first_days_ago)), "to": str(today - timedelta(days=last_days_ago))}


def draw_pack(browser, size: int = 10, **fields) -> tuple[int, str]:
    """POST the draw form; the status (303 to the new pack when drawn) and the page."""
    data = {**period(), "size": str(size), **fields,
            "csrf_token": csrf_token(browser, "/searches/scrutiny")}
    response = browser.post("/searches/scrutiny", data=data)
    return response.status_code, unescape(response.get_data(as_text=True))


def packs() -> list[ScrutinyPack]:
    db.session.expire_all()
    return list(db.session.scalars(select(ScrutinyPack).order_by(ScrutinyPack.id)))


def redact(browser, pack: ScrutinyPack, position: int, text: str):
    path = f"/searches/scrutiny/{pack.id}/records/{position}"
    return browser.post(path, data={"grounds": text, "csrf_token": csrf_token(browser, "/searches/scrutiny")})


def release(browser, pack: ScrutinyPack):
    # The token from the list: the pack's own page would log one more viewing.
    return browser.post(f"/searches/scrutiny/{pack.id}/release",
                        data={"csrf_token": csrf_token(browser, "/searches/scrutiny")})


# --------------------------------------------------------------------------
# The pure parts
# --------------------------------------------------------------------------

def test_the_draw_depends_only_on_its_seed_ids_and_size():
    ids = sorted(uuid.uuid4() for _ in range(30))
    first = draw("a1b2c3", ids, 5)
    assert first == draw("a1b2c3", ids, 5) and len(set(first)) == 5 and set(first) <= set(ids)
    assert draw("another seed", ids, 5) != first
    assert sorted(draw("a1b2c3", ids[:3], 5)) == ids[:3]  # fewer than asked: all of them


def test_part_of_day_is_read_on_the_uk_clock():
    summer = datetime(2026, 7, 1, 5, 30)  # naive: UTC, as stored
    assert part_of_day(summer) == "Morning"  # 06:30 BST
    assert [part_of_day(datetime(2026, 1, 5, hour)) for hour in (2, 6, 11, 12, 17, 18, 21, 22)] == [
        "Night", "Morning", "Morning", "Afternoon", "Afternoon", "Evening", "Evening", "Night"]


def test_likely_identifiers_flags_postcodes_registrations_addresses_and_names():
    text = ("Strong smell of cannabis. Saw John Smith outside 14 Cowley Road, OX4 3AB, "
            "getting into AB12 CDE on Friday.")
    found = {f.text: f.kind for f in likely_identifiers(text)}
    assert found["OX4 3AB"] == "a UK postcode"
    assert found["AB12 CDE"] == "a vehicle registration"
    assert found["14 Cowley Road"] == "a house number and street"
    assert found["John"] == found["Smith"] == "a name or a place"
    assert "Strong" not in found and "Saw" not in found and "Friday" not in found  # sentence starts, days
    contact = {f.text: f.kind for f in likely_identifiers("Call 07700 900123 or mail kb@example.org\nDave ran.")}
    assert contact == {"07700 900123": "a phone number", "kb@example.org": "an email address"}
    assert likely_identifiers("Saw a [removed] pass a small bag to another man.") == []


# --------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------

def test_a_pack_holds_only_the_teams_stop_searches_of_the_period_and_draws_again_from_its_seed(people, as_user):
    inside = [stop_search(occurred_at=local(days)) for days in (0, 1, 2, 4, 7, 10)]
    outside = [stop_search(occurred_at=local(11)),  # the day before the period
               encounter("stop_account", occurred_at=local(3))]  # not a search
    people["pc1"].push(*inside, *outside)
    people["pc9"].push(stop_search(occurred_at=local(3)))  # another team's
    sarge = as_user("sarge")

    status, _ = draw_pack(sarge, size=4)
    assert status == 303
    pack = packs()[0]
    drawn = [record.entry_id for record in pack.records]
    candidates = sorted(uuid.UUID(entry["id"]) for entry in inside)
    assert drawn == draw(pack.seed, candidates, 4)  # reproducible from the recorded seed, in draw order
    assert [record.position for record in pack.records] == [1, 2, 3, 4]
    assert (pack.size, pack.released_at, len(pack.seed)) == (4, None, 32)

    assert draw_pack(sarge, size=50)[0] == 303  # more than there are: all of them
    assert sorted(record.entry_id for record in packs()[1].records) == candidates
    assert packs()[1].seed != pack.seed

    combined = audit_events("combine", "scrutiny_pack")
    assert [event.record_id for event in combined] == [str(pack.id), str(packs()[1].id)]
    assert f"seed={pack.seed}" in combined[0].detail
    assert f"period={period()['from']}..{period()['to']}" in combined[0].detail
    assert "4 of 6 stop and searches" in combined[0].detail


@pytest.mark.parametrize(("fields", "message"), [
    ({"size": "0"}, "Draw from 1 to 50 searches."),
    ({"size": "51"}, "Draw from 1 to 50 searches."),
    ({"size": ""}, "Say how many searches to draw"),
    ({"from": "", "to": ""}, "From date is required"),
    (period(0, 5), "To must be the same day as From or later."),
    ({"from": "2026-13-01"}, "From must be a date written YYYY-MM-DD"),
    (period(400, 300), "no stop and search in that period"),
])
def test_a_bad_draw_is_told_on_the_form_and_nothing_is_stored(people, as_user, fields, message):
    people["pc1"].push(stop_search(occurred_at=local(1)))
    sarge = as_user("sarge")
    data = {**period(), "size": "3", **fields, "csrf_token": csrf_token(sarge, "/searches/scrutiny")}
    response = sarge.post("/searches/scrutiny", data=data)
    assert response.status_code == 400
    assert message in unescape(response.get_data(as_text=True))
    assert packs() == [] and audit_events("combine", "scrutiny_pack") == []


def test_an_admin_draws_for_the_team_chosen(people, as_user):
    people["pc9"].push(stop_search(occurred_at=local(1)))
    people["pc1"].push(stop_search(occurred_at=local(1)))
    cowley = db.session.scalar(select(User).where(User.username == "cowsarge")).team_id
    assert draw_pack(as_user("boss"), team=str(cowley))[0] == 303
    pack = packs()[0]
    assert pack.team_id == cowley
    assert [stored({"id": str(r.entry_id)}).author_id for r in pack.records] == [
        db.session.scalar(select(User.id).where(User.username == "pc9"))]


def test_an_admin_must_choose_a_real_team(people, as_user):
    people["pc1"].push(stop_search(occurred_at=local(1)))
    status, page = draw_pack(as_user("boss"), team="999999")
    assert status == 400 and "Not a valid choice" in page
    assert packs() == []


# --------------------------------------------------------------------------
# Redacting, releasing, and what the pack shows
# --------------------------------------------------------------------------

MARKERS = {
    "location_text": "Outside 99 Zedwood Street LOCMARK",
    "vehicle_registration": "VRMMARK1",
    "operation_name": "Op OPMARK",
    "bwv_footage_ref": "BWV-FOOTMARK-7",
    "notes": "NOTESMARK he was calm",
}
GROUNDS = "Saw Kevin GROUNDSMARK Bloggs pass a small bag to another man; strong smell of cannabis."


def test_the_released_pack_holds_none_of_the_identifying_values(people, as_user):
    receipt = new_reference()
    search = stop_search(occurred_at=local(2, hour=20), grounds=GROUNDS, receipt_ref=receipt,
                         outcome="Arrest", outcome_linked_to_object_of_search=True, **MARKERS)
    people["pc1"].push(search)
    add_review(stored(search), db.session.scalar(select(User).where(User.username == "sarge")), "approved",
               grounds_assessment="weak")
    sarge = as_user("sarge")
    assert draw_pack(sarge)[0] == 303
    pack = packs()[0]

    # The draft: for supervisors, marked DRAFT, the grounds not shown until redacted.
    draft = sarge.get(f"/searches/scrutiny/{pack.id}")
    assert draft.status_code == 200 and draft.headers["Cache-Control"] == "no-store"
    assert "DRAFT" in draft.get_data(as_text=True) and "GROUNDSMARK" not in draft.get_data(as_text=True)

    # The redaction page shows the grounds in full (logged), with the names marked.
    page = sarge.get(f"/searches/scrutiny/{pack.id}/records/1")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = unescape(page.get_data(as_text=True))
    assert GROUNDS in html and '<mark title="Looks like a name or a place">Kevin</mark>' in html
    read = audit_events("consult", "entry")[-1]
    assert (read.record_id, read.detail) == (search["id"], f"grounds read for redaction, scrutiny pack {pack.id} record 1")

    saved = redact(sarge, pack, 1, "Saw a man REDACTEDOK pass a small bag to another man; strong smell of cannabis.")
    assert saved.status_code == 303
    assert release(sarge, pack).status_code == 303
    db.session.expire_all()
    assert pack.released_at is not None and pack.released_by == db.session.scalar(
        select(User.id).where(User.username == "sarge"))

    response = sarge.get(f"/searches/scrutiny/{pack.id}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = unescape(response.get_data(as_text=True))
    for name, marker in {**MARKERS, "receipt_ref": receipt, "entry id": search["id"], "grounds": "GROUNDSMARK",
                         "name": "Kevin", "latitude": "51.729", "longitude": "-1.234", "officer": "PC1",
                         "time": "20:10"}.items():
        assert marker not in html, f"{name} shown in the released pack"
    assert "REDACTEDOK" in html and "DRAFT" not in html
    figures = html[html.index("The period's figures"):html.index("The records</h2>")]
    assert "Searches by self-defined ethnicity" in figures and "<td><5</td>" in figures  # one search: suppressed
    assert html.count("<h1") == 1 and html.count("Stop and search scrutiny pack</h1>") == 1
    record = re.search(r'<section class="scrutiny-record".*?</section>', html, re.S).group(0)
    for shown in ("Evening", "Rose Hill", "Person search", "Misuse of Drugs Act 1971 (section 23)",
                  "Controlled drugs", "Arrest", "18-24", "Male", "White - Irish", "Weak"):
        assert shown in record, shown
    day = datetime.fromisoformat(local(2)).strftime("%A %-d %B %Y")
    assert f"<dt>Date</dt><dd>{day}</dd>" in record

    assert [e.record_id for e in audit_events("alter", "scrutiny_pack")] == [str(pack.id)]
    disclosed = audit_events("disclose")
    assert [(e.record_type, e.record_id) for e in disclosed] == [("scrutiny_pack", str(pack.id)),
                                                                 ("entry", search["id"])]
    assert search["id"] in disclosed[0].detail
    viewed = audit_events("consult", "scrutiny_pack")
    assert [e.detail for e in viewed] == ["draft scrutiny pack viewed", "released scrutiny pack viewed"]


def test_release_is_refused_until_every_record_is_redacted_and_a_released_pack_is_fixed(people, as_user):
    people["pc1"].push(stop_search(occurred_at=local(1)), stop_search(occurred_at=local(2)))
    sarge = as_user("sarge")
    draw_pack(sarge)
    pack = packs()[0]
    assert redact(sarge, pack, 1, "First, redacted.").status_code == 303

    refused = release(sarge, pack)
    assert refused.status_code == 409
    assert "record 2 is not yet" in unescape(refused.get_data(as_text=True))
    db.session.expire_all()
    assert pack.released_at is None and audit_events("disclose") == []

    blank = redact(sarge, pack, 2, "   ")
    assert blank.status_code == 400 and "Write the grounds as the panel may read them" in blank.get_data(as_text=True)
    assert redact(sarge, pack, 2, "Second, redacted.").status_code == 303
    assert release(sarge, pack).status_code == 303
    db.session.expire_all()
    assert pack.released_at is not None

    assert release(sarge, pack).status_code == 409  # once only
    late = redact(sarge, pack, 1, "Changed after release.")
    assert late.status_code == 303
    db.session.expire_all()
    assert pack.records[0].redacted_grounds == "First, redacted."
    assert sarge.get(f"/searches/scrutiny/{pack.id}/records/1").status_code == 303
    assert len(audit_events("alter", "scrutiny_pack")) == 2


def test_saving_grounds_that_still_look_identifying_warns_but_saves(people, as_user):
    people["pc1"].push(stop_search(occurred_at=local(1)))
    sarge = as_user("sarge")
    draw_pack(sarge)
    pack = packs()[0]
    response = redact(sarge, pack, 1, "He got into AB12 CDE near OX4 3AB.")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/scrutiny/{pack.id}/records/1")
    db.session.expire_all()
    assert pack.records[0].redacted_grounds == "He got into AB12 CDE near OX4 3AB."
    page = unescape(sarge.get(response.headers["Location"]).get_data(as_text=True))
    assert "still look like a name, place or number" in page
    assert "“AB12 CDE”: looks like a vehicle registration" in page and "“OX4 3AB”: looks like a UK postcode" in page


# --------------------------------------------------------------------------
# Who may
# --------------------------------------------------------------------------

def test_officers_are_refused_and_another_teams_supervisor_sees_nothing(people, as_user):
    people["pc1"].push(stop_search(occurred_at=local(1)))
    sarge = as_user("sarge")
    draw_pack(sarge)
    pack = packs()[0]
    pc1 = as_user("pc1")
    assert pc1.get("/searches/scrutiny").status_code == 403
    assert pc1.get(f"/searches/scrutiny/{pack.id}").status_code == 403
    assert pc1.post("/searches/scrutiny", data={**period(), "size": "3",
                                                "csrf_token": csrf_token(pc1, "/review")}).status_code == 403

    cowsarge = as_user("cowsarge")
    listing = cowsarge.get("/searches/scrutiny")
    assert listing.status_code == 200 and f'data-pack="{pack.id}"' not in listing.get_data(as_text=True)
    assert cowsarge.get(f"/searches/scrutiny/{pack.id}").status_code == 404
    assert cowsarge.get(f"/searches/scrutiny/{pack.id}/records/1").status_code == 404
    token = csrf_token(cowsarge, "/searches/scrutiny")
    assert cowsarge.post(f"/searches/scrutiny/{pack.id}/records/1",
                         data={"grounds": "x", "csrf_token": token}).status_code == 404
    assert cowsarge.post(f"/searches/scrutiny/{pack.id}/release", data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert pack.records[0].redacted_at is None and pack.released_at is None

    admin = as_user("boss")
    assert f'data-pack="{pack.id}"' in admin.get("/searches/scrutiny").get_data(as_text=True)
    assert admin.get(f"/searches/scrutiny/{pack.id}").status_code == 200
    assert sarge.get(f"/searches/scrutiny/{pack.id}/records/9").status_code == 404
    assert sarge.get("/searches/scrutiny/999999").status_code == 404
    assert count(Entry) == 1


def test_two_releases_at_once_release_once_and_neither_fails(people, as_user, make_app):
    """Two supervisors press Release together, each through its own app (own connections), as two server
    processes would: one releases, the other is told it already was; never a 500, one disclosure."""
    people["pc1"].push(stop_search(occurred_at=local(1)))
    sarge = as_user("sarge")
    draw_pack(sarge)
    pack = packs()[0]
    assert redact(sarge, pack, 1, "Redacted.").status_code == 303
    pack_id = pack.id
    db.session.rollback()  # the requests above share the test's session: end its transaction
    browsers = []
    for _ in range(2):
        browser = make_app().test_client()
        assert AuthActions(browser).login("sarge").status_code == 302
        browsers.append((browser, csrf_token(browser, "/searches/scrutiny")))
    start, statuses = threading.Barrier(2), []

    def press(browser, token: str) -> None:
        start.wait()
        statuses.append(browser.post(f"/searches/scrutiny/{pack_id}/release", data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=press, args=pair) for pair in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303, 409]
    assert [e.record_id for e in audit_events("disclose", "scrutiny_pack")] == [str(pack_id)]
    assert len(audit_events("disclose", "entry")) == 1
