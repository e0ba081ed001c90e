"""Searching the audit log: every column shown, filters that combine, keyset pages, the search itself logged."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.models import AuditEvent, User
from tests.factories import stop_search

ROW = re.compile(r"<tr>\s*<td><time[^>]*>([^<]+)</time></td>(.*?)</tr>", re.S)


def rows(page: str) -> list[list[str]]:
    """The result table's rows as lists of cell texts (time first)."""
    return [[when] + [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", rest, re.S)]
            for when, rest in ROW.findall(page)]


def day(d: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, d, hour, tzinfo=UTC)


def user_id(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def test_the_page_shows_who_did_what_from_where(client, admin, officer):
    officer.push(stop_search())
    page = client.get("/audit?actor=pc1&record_type=entry").get_data(as_text=True)
    [row] = rows(page)
    _, actor, action, record_type, record_id, device, address, detail = row
    entry_id = db.session.scalar(select(AuditEvent.record_id).where(AuditEvent.record_type == "entry"))
    assert (actor, action, record_type, record_id, device, address, detail) == (
        "pc1", "collect", "entry", entry_id, str(officer.device_id), "127.0.0.1", "received by sync")


def test_newest_first(client, admin, add_event):
    for d in (1, 3, 2):
        add_event(day(d), record_id=f"day{d}")
    found = rows(client.get("/audit?record_type=entry").get_data(as_text=True))
    assert [r[4] for r in found] == ["day2", "day3", "day1"]  # by id: the order they were written


def test_filters_combine(client, admin, create_user, add_event):
    pc1 = create_user("pc1").id
    pc2 = create_user("pc2").id
    add_event(day(1), "consult", "entry", "a", actor_id=pc1)
    add_event(day(2), "consult", "entry", "b", actor_id=pc1)
    add_event(day(2), "alter", "entry", "c", actor_id=pc1)
    add_event(day(2), "consult", "photo", "d", actor_id=pc1)
    add_event(day(2), "consult", "entry", "e", actor_id=pc2)
    add_event(day(3, 23), "consult", "entry", "f", actor_id=pc1)
    add_event(day(4), "consult", "entry", "g", actor_id=pc1)

    def ids(query: str) -> set[str]:
        response = client.get(f"/audit?{query}")
        assert response.status_code == 200
        return {r[4] for r in rows(response.get_data(as_text=True))}

    assert ids("actor=pc1&action=consult&record_type=entry&date_from=2026-03-02&date_to=2026-03-03") == {"b", "f"}
    assert ids("actor=PC1&action=consult&record_type=entry") == {"a", "b", "f", "g"}
    assert ids("record_type=entry&record_id=c") == {"c"}
    assert ids("record_id=d") == {"d"}
    assert ids("actor=pc2") == {"e"}
    assert ids("action=alter") == {"c"}
    assert ids("date_from=2026-03-04&record_type=entry") == {"g"}
    assert ids("date_to=2026-03-01") == {"a"}


@pytest.mark.parametrize(("query", "field", "message"), [
    ("actor=nobody", "actor", "There is no user called 'nobody'."),
    ("date_from=2026-02-30", "date_from", "From must be a date written YYYY-MM-DD"),
    ("date_from=2026-03-05&date_to=2026-03-01", "date_to", "To must be the same day as From or later."),
    ("action=delete", "action", "Choose an action from the list."),
])
def test_bad_filters_show_a_message(client, admin, add_event, query, field, message):
    add_event(day(1))
    for path in ("/audit", "/audit/export.csv"):
        response = client.get(f"{path}?{query}")
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 400
        assert message in page and f'id="{field}-error"' in page
        assert rows(page) == []


def test_pages_follow_by_keyset_and_keep_the_filters(client, admin, add_event, monkeypatch):
    from fieldapp.audit import routes

    monkeypatch.setattr(routes, "PAGE_SIZE", 2)
    for n in range(5):
        add_event(day(1), record_id=f"r{n}")
    add_event(day(1), record_type="photo", record_id="other")
    seen = []
    path = "/audit?record_type=entry"
    while path:
        page = client.get(path).get_data(as_text=True)
        seen += [r[4] for r in rows(page)]
        link = re.search(r'href="(/audit\?[^"]*before=[^"]*)"', page)
        path = link.group(1).replace("&amp;", "&") if link else None
    assert seen == ["r4", "r3", "r2", "r1", "r0"]
    assert client.get("/audit?before=garbage").status_code == 400


def test_viewing_the_log_is_itself_logged(client, admin):
    client.get("/audit?actor=admin1&action=alter")
    db.session.expire_all()
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (event.action, event.record_type, event.actor_id) == ("consult", "audit_log", user_id("admin1"))
    assert "actor=admin1" in event.detail and "action=alter" in event.detail
