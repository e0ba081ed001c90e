"""The sergeant's desk: landing on the queue, the queue opened on what waits, the counts that matter,
rows to judge from, and deciding then moving on to the next entry waiting in the same list."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select, update

from fieldapp.extensions import db
from fieldapp.models import Entry, Review, User
from fieldapp.review import queries
from fieldapp.review.operations import RETURN_NEEDS_COMMENT, add_review
from tests.factories import GROUNDS, edit, encounter, item, stop_search, visit
from tests.fixtures.rows import stored
from tests.fixtures.web import AuthActions, listed, token

WAITING = "state=unreviewed&order=oldest"


def received(entry: dict, hours_ago: float) -> None:
    """Set when the server received ``entry``, ``hours_ago`` hours before now."""
    db.session.execute(update(Entry).where(Entry.id == stored(entry).id)
                       .values(received_at=datetime.now(UTC) - timedelta(hours=hours_ago)))
    db.session.commit()


def sarge() -> User:
    return db.session.scalar(select(User).where(User.username == "sarge"))


def flashes(browser) -> str:
    """The next page's text, where the flash messages show."""
    return unescape(browser.get("/review?order=newest").get_data(as_text=True))


def decide(browser, entry: dict, query: str = WAITING, **data):
    """POST a decision on ``entry`` from the queue ``query``."""
    return browser.post(f"/review/{entry['id']}?{query}" if query else f"/review/{entry['id']}",
                        data={"csrf_token": token(browser), "entry_version": "1", **data})


# -- landing ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("username", "landing"), [("pc1", "/app"), ("sarge", "/review"), ("boss", "/review")])
def test_each_role_lands_on_its_work(people, app, username, landing):
    browser = app.test_client()
    response = AuthActions(browser).login(username)
    assert response.status_code == 302 and response.headers["Location"] == landing
    home = browser.get("/")
    assert home.status_code == 302 and home.headers["Location"] == landing


def test_the_header_keeps_who_is_signed_in(people, as_user):
    html = as_user("sarge").get("/review").get_data(as_text=True)
    assert "PS Jo Hughes" in html and "Supervisor, Rose Hill" in html
    assert '<a href="/exports">Exports</a>' in html
    assert '<a href="/exports">' not in as_user("pc1").get("/review").get_data(as_text=True)


# -- the queue opens on what waits ---------------------------------------------------------------------

@pytest.fixture
def desk(people, postbox):
    """Rose Hill: three waiting (two overdue: 100 h and 80 h), one returned, one approved, one with a
    conflict copy (waiting, 1 h); returned by name."""
    entries = {name: stop_search() for name in ("oldest", "overdue", "fresh", "returned", "approved")}
    people["pc1"].push(*entries.values())
    for name, hours in (("oldest", 100), ("overdue", 80), ("fresh", 2), ("returned", 200), ("approved", 300)):
        received(entries[name], hours)
    add_review(stored(entries["returned"]), sarge(), "returned", "Say when.")
    add_review(stored(entries["approved"]), sarge(), "approved")
    entries["conflict"] = encounter("asb", notes="Group on the green")
    people["pc1"].push(entries["conflict"])
    people["pc1"].push(edit(entries["conflict"], notes="phone one"))
    received(entries["conflict"], 1)
    return entries


@pytest.fixture
def conflicted(desk, sign_in_device):
    """The desk, its 'conflict' entry with a copy from a second phone that had only seen version 1."""
    spare = sign_in_device("pc1", device_name="spare")
    assert spare.push(edit(desk["conflict"], notes="phone two"))[0]["status"] == "conflict"
    return desk


def test_a_reviewer_queue_opens_on_the_waiting_oldest_first(conflicted, as_user):
    html = as_user("sarge").get("/review").get_data(as_text=True)
    assert listed(html) == [conflicted[name]["id"] for name in ("oldest", "overdue", "fresh", "conflict")]
    assert 'href="/review/' + conflicted["oldest"]["id"] + "?" + WAITING.replace("&", "&amp;") + '"' in html


def test_an_officer_list_is_unchanged(conflicted, as_user):
    html = as_user("pc1").get("/review").get_data(as_text=True)
    # Everything of theirs, newest received first.
    assert listed(html) == [conflicted[name]["id"] for name in
                            ("conflict", "fresh", "overdue", "oldest", "returned", "approved")]


def test_explicit_filters_and_show_everything(conflicted, as_user):
    browser = as_user("sarge")
    html = browser.get("/review", query_string={"state": "approved"}).get_data(as_text=True)
    assert listed(html) == [conflicted["approved"]["id"]]
    everything = re.search(r'<a href="([^"]+)"[^>]*>Show everything</a>', html).group(1)
    assert len(listed(browser.get(unescape(everything)).get_data(as_text=True))) == 6


def test_the_counts_that_matter_in_one_line(conflicted, as_user):
    browser = as_user("sarge")
    html = unescape(browser.get("/review").get_data(as_text=True))
    line = re.search(r'<ul class="review-desk".*?</ul>', html, re.S).group(0)
    shown = dict(re.findall(r'<strong data-count="(\w+)"[^>]*>([^<]+)</strong>', line))
    assert shown == {"waiting": "4", "overdue": "2", "returned": "1", "conflicts": "1"}
    assert "oldest waiting: 4 days 4 h" in line
    assert "returned, not yet resent" in line and "conflict to resolve" in line
    links = {name: href for href, name in
             re.findall(r'<a href="([^"]+)"[^>]*>\s*<strong data-count="(\w+)"', line)}
    expected = {"waiting": ("oldest", "overdue", "fresh", "conflict"), "overdue": ("oldest", "overdue"),
                "returned": ("returned",), "conflicts": ("conflict",)}
    for name, names in expected.items():
        assert set(listed(browser.get(links[name]).get_data(as_text=True))) == {conflicted[n]["id"] for n in names}, name


def test_resending_a_returned_entry_takes_it_off_the_returned_count(desk, people, as_user):
    people["pc1"].push(edit(desk["returned"], notes="Saw the exchange at 14:02."))
    html = as_user("sarge").get("/review").get_data(as_text=True)
    assert re.search(r'data-count="returned"[^>]*>0<', html) and re.search(r'data-count="waiting"[^>]*>5<', html)


def test_the_age_of_the_oldest_waiting():
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert queries.waited(now - timedelta(days=3, hours=4, minutes=20), now) == "3 days 4 h"
    assert queries.waited(now - timedelta(days=1, minutes=5), now) == "1 day 0 h"
    assert queries.waited(now - timedelta(hours=5, minutes=12), now) == "5 h 12 min"
    assert queries.waited(now - timedelta(minutes=12), now) == "12 min"
    assert queries.waited(None, now) is None


# -- rows to judge from --------------------------------------------------------------------------------

def row_of(html: str, entry: dict) -> str:
    """The text of the entry's row, tags stripped, spaces collapsed."""
    row = re.search(rf'<tr data-testid="queue-row"[^>]*data-entry="{entry["id"]}">(.*?)</tr>', html, re.S).group(1)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split())


def test_rows_say_what_who_when_where_and_the_first_words(people, postbox, as_user):
    long_notes = "Group of six shouting at passers-by outside the shop, one with a bottle, moved on after advice given"
    entries = {"search": stop_search(), "asb": encounter("asb", notes=long_notes),
               "visit": visit(postbox), "noted_visit": visit(postbox, notes="Box half full", item_count=1)}
    entries["card"] = item(entries["visit"]["id"], topics=["drugs", "parking"], summary="Needles left on the swings")
    people["pc1"].push(*entries.values())
    html = as_user("sarge").get("/review").get_data(as_text=True)
    search = row_of(html, entries["search"])
    assert search.startswith("Stop and search by ")
    assert "GPS" in search and "No further action." in search and GROUNDS[:40] in search
    assert "(UTC" not in html and html.count("<time") >= 2 * len(entries)  # the link's name and the When cell
    asb = row_of(html, entries["asb"])
    assert "Antisocial behaviour" in asb and "Outside the Co-op, Rose Hill" in asb
    assert "Group of six shouting at passers-by" in asb and "after advice given" not in asb and "…" in asb
    card = row_of(html, entries["card"])
    assert "Resident's card" in card and "Drugs, Parking: Needles left on the swings" in card
    assert "PB-01 (Rose Hill Stores)" in card
    assert "Postbox visit" in row_of(html, entries["visit"])
    assert "PB-01 (Rose Hill Stores), 3 cards" in row_of(html, entries["visit"])
    assert "PB-01 (Rose Hill Stores), 1 card: Box half full" in row_of(html, entries["noted_visit"])
    # The link's accessible name says what it is, by whom and when.
    link = re.search(rf'<a href="/review/{entries["search"]["id"]}[^"]*">(.*?)</a>', html, re.S).group(1)
    name = " ".join(unescape(re.sub(r"<[^>]+>", " ", link)).split())
    assert name.startswith("Stop and search by ") and "202" in name


# -- decide and move on --------------------------------------------------------------------------------

def test_a_decision_opens_the_next_waiting_of_the_same_list(desk, as_user):
    browser = as_user("sarge")
    response = decide(browser, desk["oldest"], decision="approved")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/review/{desk['overdue']['id']}?{WAITING}"
    message = flashes(browser)
    assert "Decision recorded: Approved." in message and "Next: Stop and search by" in message
    # Skipping one (deciding 'fresh' before 'overdue'): on to the next after it, then round to the skipped one.
    response = decide(browser, desk["fresh"], decision="flagged")
    assert response.headers["Location"] == f"/review/{desk['conflict']['id']}?{WAITING}"
    response = browser.post(f"/review/{desk['conflict']['id']}?{WAITING}",
                            data={"csrf_token": token(browser), "entry_version": "2", "decision": "approved"})
    assert response.headers["Location"] == f"/review/{desk['overdue']['id']}?{WAITING}"
    response = decide(browser, desk["overdue"], decision="returned", comment="Say when you saw it.")
    assert response.status_code == 302 and response.headers["Location"] == f"/review?{WAITING}"
    assert "Nothing else waiting in this list." in flashes(browser)


def test_the_next_entry_keeps_the_filter(desk, people, postbox, as_user):
    visits = [visit(postbox), visit(postbox)]
    people["pc1"].push(*visits)
    received(visits[0], 5)
    browser = as_user("sarge")
    query = "type=postbox_visit&order=oldest"
    response = decide(browser, visits[0], query, decision="approved")
    assert response.headers["Location"] == f"/review/{visits[1]['id']}?type=postbox_visit&order=oldest"
    response = decide(browser, visits[1], query, decision="approved")
    assert response.headers["Location"] == "/review?type=postbox_visit&order=oldest"


def test_a_decision_without_a_list_moves_on_in_the_default_one(desk, as_user):
    response = decide(as_user("sarge"), desk["overdue"], "", decision="approved")
    assert response.headers["Location"] == f"/review/{desk['fresh']['id']}?{WAITING}"


def test_a_refused_decision_stores_nothing_and_says_why(desk, as_user):
    browser = as_user("sarge")
    response = decide(browser, desk["oldest"], decision="returned", comment="  ")
    assert response.status_code == 400
    assert RETURN_NEEDS_COMMENT in unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(Review).where(Review.entry_id == stored(desk["oldest"]).id)) is None
    assert stored(desk["oldest"]).review_state == "unreviewed"


def test_the_position_in_the_list(desk, app):
    user = sarge()
    viewer = queries.Viewer(role=user.role, user_id=user.id, team_id=user.team_id)
    waiting = queries.Queue(queries.Filters(state="unreviewed"), order="oldest")
    assert queries.position(waiting, viewer, stored(desk["overdue"])) == "2 of 4 waiting"
    newest = queries.Queue(queries.Filters(), order="newest")
    assert queries.position(newest, viewer, stored(desk["oldest"])) == "4 of 4 waiting"
    assert queries.position(waiting, viewer, stored(desk["approved"])) is None
