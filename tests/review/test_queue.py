"""GET /review: scope per role, filters that combine, the desk's counts, keyset pages, overdue rows, audit.

A reviewer's queue with no arguments opens on the unreviewed, oldest first (tests/review/test_desk.py);
these tests ask for everything with ``order=newest`` (the 'Show everything' link) where they mean it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import update

from fieldapp.extensions import db
from fieldapp.models import Entry, User
from fieldapp.review import queries
from fieldapp.review.operations import add_review
from tests.factories import ago, encounter, item, stop_search, visit
from tests.fixtures.rows import audit_events, stored
from tests.fixtures.web import listed

NEXT = re.compile(r'href="([^"]+)" rel="next"')


EVERYTHING = {"order": "newest"}
COUNTS = queries.DESK_COUNTS


def shown_count(html: str, name: str) -> str:
    """A count of the desk line (waiting, overdue, returned, conflicts), as text ("3", "1,234", "10,000+")."""
    return re.search(rf'data-count="{name}"[^>]*>([^<]+)<', html).group(1)


def count_of(html: str, name: str) -> int:
    """A count of the desk line, when it is an exact number."""
    return int(shown_count(html, name).replace(",", ""))


@pytest.fixture
def corpus(people, postbox, create_user):
    """A mix of entries from pc1 and pc2 (Rose Hill) and pc9 (Cowley), one approved; returned by name."""
    pc1, pc2, pc9 = people["pc1"], people["pc2"], people["pc9"]
    other_box = _second_postbox()
    entries = {
        "search": stop_search(grounds="Strong smell of CANNABIS from his jacket near the park."),
        "asb": encounter("asb", notes="Group shouting at passers-by"),
        "old": encounter("stop_account", occurred_at=ago(60 * 24 * 10), notes="ten days ago"),
        "visit": visit(postbox, notes="Box half full"),
        "visit2": visit(other_box),
    }
    entries["item"] = item(entries["visit"]["id"], topics=["drugs", "parking"], urgency="priority",
                           safeguarding=True, summary="Needles left on the swings")
    entries["item2"] = item(entries["visit2"]["id"], topics=["parking"], summary="Cars on the pavement 50%_off")
    pc1.push(entries["search"], entries["asb"], entries["old"], entries["visit"], entries["item"])
    entries["pc2"] = encounter("welfare_check", notes="Checked on an elderly man")
    pc2.push(entries["pc2"], entries["visit2"], entries["item2"])
    entries["cowley"] = stop_search()
    pc9.push(entries["cowley"])
    add_review(stored(entries["asb"]), db.session.scalar(db.select(User).filter_by(username="sarge")), "approved")
    return entries


def _second_postbox() -> int:
    """Another Rose Hill postbox; returns its id."""
    from fieldapp.models import Placement, Postbox, Team

    team = db.session.scalar(db.select(Team).filter_by(name="Rose Hill"))
    box = Postbox(label="PB-02", team_id=team.id)
    box.placements.append(Placement(site_name="Library", site_type="community_centre", address="Library"))
    db.session.add(box)
    db.session.commit()
    return box.id


def ids(corpus, *names):
    """The ids of the named corpus entries."""
    return {corpus[name]["id"] for name in names}


ROSE_HILL = ("search", "asb", "old", "visit", "item", "pc2", "visit2", "item2")


@pytest.mark.parametrize(("username", "expected"), [
    ("pc1", ("search", "asb", "old", "visit", "item")),
    ("sarge", ROSE_HILL),
    ("cowsarge", ("cowley",)),
    ("boss", (*ROSE_HILL, "cowley")),
])
def test_each_role_sees_its_scope(corpus, as_user, username, expected):
    response = as_user(username).get("/review", query_string=EVERYTHING)
    assert response.status_code == 200
    assert set(listed(response.get_data(as_text=True))) == ids(corpus, *expected)


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get("/review")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_officers_see_a_read_only_list(corpus, as_user):
    html = as_user("pc1").get("/review").get_data(as_text=True)
    assert "My entries" in html and "read-only" in html


# One corpus for all the cases: building it signs in several users (scrypt), which is slow.
FILTER_CASES = [
    ({"type": "encounter"}, ("search", "asb", "old", "pc2")),
    ({"type": "postbox_item"}, ("item", "item2")),
    ({"kind": "stop_search"}, ("search",)),
    ({"kind": "welfare_check"}, ("pc2",)),
    ({"officer": "PC2"}, ("pc2", "visit2", "item2")),
    ({"officer": "pc9"}, ()),                 # another team's officer
    ({"officer": "nobody"}, ()),              # no such user
    ({"state": "approved"}, ("asb",)),
    ({"state": "unreviewed"}, ("search", "old", "visit", "item", "pc2", "visit2", "item2")),
    ({"state": "returned"}, ()),
    ({"postbox": "FIRST"}, ("visit", "item")),
    ({"postbox": "SECOND"}, ("visit2", "item2")),
    ({"topic": "drugs"}, ("item",)),
    ({"topic": "parking"}, ("item", "item2")),
    ({"urgency": "priority"}, ("item",)),
    ({"safeguarding": "yes"}, ("item",)),
    ({"safeguarding": "no"}, ("item2",)),
    ({"q": "cannabis"}, ("search",)),          # grounds, case-insensitive
    ({"q": "SHOUTING"}, ("asb",)),            # encounter notes
    ({"q": "swings"}, ("item",)),             # item summary
    ({"q": "half full"}, ("visit",)),         # visit notes
    ({"q": "50%_"}, ("item2",)),              # LIKE wildcards are literal
    ({"q": "%"}, ("item2",)),
]


def test_each_filter(corpus, as_user):
    browser = as_user("sarge")
    for query, expected in FILTER_CASES:
        query = dict(query)
        if query.get("postbox") in ("FIRST", "SECOND"):
            query["postbox"] = str(_visit_box(corpus, "visit" if query["postbox"] == "FIRST" else "visit2"))
        response = browser.get("/review", query_string=query)
        assert response.status_code == 200, query
        assert set(listed(response.get_data(as_text=True))) == ids(corpus, *expected), query


def _visit_box(corpus, name):
    """The postbox a corpus visit was made to."""
    return corpus[name]["data"]["postbox_id"]


def test_dates_filter_on_when_it_happened(corpus, as_user):
    browser = as_user("sarge")
    today = datetime.now(UTC).date()
    recent = browser.get("/review", query_string={"from": (today - timedelta(days=2)).isoformat()})
    assert corpus["old"]["id"] not in listed(recent.get_data(as_text=True))
    assert corpus["search"]["id"] in listed(recent.get_data(as_text=True))
    old = browser.get("/review", query_string={"from": (today - timedelta(days=11)).isoformat(),
                                               "to": (today - timedelta(days=9)).isoformat()})
    assert set(listed(old.get_data(as_text=True))) == ids(corpus, "old")


def test_filters_combine(corpus, as_user):
    browser = as_user("sarge")
    both = browser.get("/review", query_string={"type": "encounter", "officer": "pc1", "state": "unreviewed",
                                                "q": "ago"})
    assert set(listed(both.get_data(as_text=True))) == ids(corpus, "old")
    none = browser.get("/review", query_string={"kind": "stop_search", "officer": "pc2"})
    assert listed(none.get_data(as_text=True)) == []
    items = browser.get("/review", query_string={"topic": "parking", "safeguarding": "no", "officer": "pc2"})
    assert set(listed(items.get_data(as_text=True))) == ids(corpus, "item2")


BAD_FILTERS = [
    ({"from": "yesterday"}, "From must be a date written YYYY-MM-DD"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "To must be the same day as From or later."),
    ({"state": "lost"}, "Not a valid choice."),
    ({"postbox": "abc"}, "Not a valid integer value."),
    ({"after": "not-a-cursor"}, "That page link is not valid."),
    ({"after": "cTF8bm90LWEtZGF0ZXxub3QtYW4taWQ"}, "That page link is not valid."),
]


def test_bad_filters_are_explained_not_500(corpus, as_user):
    browser = as_user("sarge")
    for query, message in BAD_FILTERS:
        response = browser.get("/review", query_string=query)
        html = unescape(response.get_data(as_text=True))
        assert response.status_code == 400 and message in html and listed(html) == [], query


def test_counts_ignore_the_state_filter(corpus, as_user):
    html = as_user("sarge").get("/review", query_string={"state": "approved", "type": "encounter"}).get_data(
        as_text=True)
    assert [count_of(html, name) for name in COUNTS] == [3, 0, 0, 0]
    everything = as_user("boss").get("/review", query_string=EVERYTHING).get_data(as_text=True)
    assert count_of(everything, "waiting") == 8


def test_counts_follow_the_officer_filter(corpus, as_user):
    browser = as_user("sarge")
    html = browser.get("/review", query_string={"officer": "pc1", "state": "unreviewed"}).get_data(as_text=True)
    assert count_of(html, "waiting") == 4
    for nobody in ("pc9", "nobody"):
        html = browser.get("/review", query_string={"officer": nobody}).get_data(as_text=True)
        assert [count_of(html, name) for name in COUNTS] == [0, 0, 0, 0]
        assert "nothing waiting" in html


def test_counts_past_the_cap_say_so_and_exact_ones_stay_exact(corpus, as_user, monkeypatch):
    # boss sees 8 unreviewed (7 in Rose Hill, 1 in Cowley) and 1 approved.
    browser = as_user("boss")
    monkeypatch.setattr(queries, "PAGE_SIZE", 3)  # more than a page: the counts are counted, not tallied
    monkeypatch.setattr(queries, "COUNT_CAP", 8)  # exactly at the cap: still exact
    html = browser.get("/review", query_string=EVERYTHING).get_data(as_text=True)
    assert shown_count(html, "waiting") == "8" and shown_count(html, "returned") == "0"
    assert "counting stops there" not in html
    monkeypatch.setattr(queries, "COUNT_CAP", 7)  # one past it: "7+", never a wrong exact number
    html = browser.get("/review", query_string=EVERYTHING).get_data(as_text=True)
    assert shown_count(html, "waiting") == "7+" and shown_count(html, "returned") == "0"
    assert shown_count(html, "overdue") == "0" and shown_count(html, "conflicts") == "0"
    assert 'title="More than 7: counting stops there"' in html
    # The cap applies under the filters too, and the rows listed are not affected by it.
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    html = browser.get("/review", query_string={"state": "unreviewed", "type": "encounter"}).get_data(as_text=True)
    assert shown_count(html, "waiting") == "2+"
    assert len(listed(html)) == 3 and set(listed(html)) <= ids(corpus, "search", "old", "pc2", "cowley")
    # A text search has its own, lower cap.
    monkeypatch.setattr(queries, "COUNT_CAP", 1000)
    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 1)
    html = browser.get("/review", query_string={"q": "e"}).get_data(as_text=True)
    assert shown_count(html, "waiting") == "1+" and shown_count(html, "returned") == "0"
    # When every match is on the first page, they are tallied there: exact whatever the cap.
    monkeypatch.setattr(queries, "PAGE_SIZE", 50)
    html = browser.get("/review", query_string={"q": "e"}).get_data(as_text=True)
    assert shown_count(html, "waiting") == "6"
    html = browser.get("/review", query_string=EVERYTHING).get_data(as_text=True)
    assert shown_count(html, "waiting") == "8" and "counting stops there" not in html


def test_tallied_counts_are_the_counted_ones(corpus, as_user, monkeypatch):
    """The first page's own tally (all matches on one page) agrees with counting, filter by filter."""
    browser = as_user("boss")
    for query in ({}, {"q": "e"}, {"type": "encounter"}, {"officer": "pc1"}, {"q": "cannabis"}, {"topic": "parking"}):
        query = {**EVERYTHING, **query}
        monkeypatch.setattr(queries, "PAGE_SIZE", 50)
        tallied = browser.get("/review", query_string=query).get_data(as_text=True)
        monkeypatch.setattr(queries, "PAGE_SIZE", 1)
        counted = browser.get("/review", query_string=query).get_data(as_text=True)
        assert [shown_count(tallied, s) for s in COUNTS] == [shown_count(counted, s) for s in COUNTS], query
        assert (re.search(r'data-testid="oldest-waiting">([^<]+)<', tallied).group(1)
                == re.search(r'data-testid="oldest-waiting">([^<]+)<', counted).group(1)), query


def test_counts_show_thousands_separators():
    assert str(queries.StateCount(1234)) == "1,234"
    assert str(queries.StateCount(10_000, capped=True)) == "10,000+"


def test_pages_visit_every_entry_once(people, as_user):
    # Two batches: entries share received_at within a batch, so the id must break ties.
    first = [encounter("other", notes=f"first {n}") for n in range(70)]
    second = [encounter("other", notes=f"second {n}") for n in range(45)]
    people["pc1"].push(*first)
    db.session.execute(update(Entry).values(received_at=datetime.now(UTC) - timedelta(minutes=5)))
    db.session.commit()
    people["pc1"].push(*second)
    browser = as_user("sarge")
    seen, url, pages = [], "/review?order=newest", 0
    while url:
        html = browser.get(url).get_data(as_text=True)
        rows = listed(html)
        assert len(rows) <= 50
        seen += rows
        pages += 1
        match = NEXT.search(html)
        url = unescape(match.group(1)) if match else None
    assert pages == 3 and len(seen) == 115 and len(set(seen)) == 115
    # Newest batch first.
    assert set(seen[:45]) == {e["id"] for e in second}


def test_pages_keep_the_filters(people, as_user):
    people["pc1"].push(*[encounter("other", notes=f"n {n}") for n in range(55)], stop_search())
    html = as_user("sarge").get("/review", query_string={"kind": "other"}).get_data(as_text=True)
    next_url = unescape(NEXT.search(html).group(1))
    assert "kind=other" in next_url
    rest = as_user("sarge").get(next_url).get_data(as_text=True)
    assert len(listed(rest)) == 5 and NEXT.search(rest) is None


def test_unreviewed_over_72_hours_stand_out(people, as_user, create_user):
    """One definition of overdue: unreviewed and received more than 72 hours ago; a visible tag, not colour alone."""
    waiting, fresh, done = stop_search(), stop_search(), stop_search()
    people["pc1"].push(waiting, fresh, done)
    long_ago = datetime.now(UTC) - timedelta(hours=73)
    db.session.execute(update(Entry).where(Entry.id.in_([stored(waiting).id, stored(done).id]))
                       .values(received_at=long_ago))
    db.session.commit()
    add_review(stored(done), db.session.scalar(db.select(User).filter_by(username="sarge")), "approved")
    html = as_user("sarge").get("/review", query_string=EVERYTHING).get_data(as_text=True)
    rows = {m.group(2): m.group(0) for m in re.finditer(
        r'<tr data-testid="queue-row" class="([^"]*)" data-entry="([^"]+)">.*?</tr>', html, re.S)}
    assert 'class="overdue"' in rows[waiting["id"]] and ">Overdue</span>" in rows[waiting["id"]]
    for other in (fresh, done):
        assert ">Overdue</span>" not in rows[other["id"]] and 'class="overdue"' not in rows[other["id"]]
    assert count_of(html, "overdue") == 1


def test_each_page_view_is_one_audit_event(corpus, as_user):
    browser = as_user("sarge")
    before = len(audit_events())
    browser.get("/review", query_string={"type": "encounter", "state": "unreviewed"})
    events = audit_events()[before:]
    assert len(events) == 1
    [event] = events
    sarge = db.session.scalar(db.select(User).filter_by(username="sarge"))
    assert (event.action, event.record_type, event.actor_id) == ("consult", "review_queue", sarge.id)
    assert "type=encounter" in event.detail and "state=unreviewed" in event.detail
    assert "3 entries listed" in event.detail
