"""The audit log's records (issue 12): UK time and UK days, record types as a list, links to what the viewer may open."""

from __future__ import annotations

import csv
import hashlib
import html
import io
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, select

from fieldapp.audit.records import RECORD_TYPES, Viewer, record_links
from fieldapp.extensions import db
from fieldapp.models import AuditEvent, Entry, Photo, PhotoBlob
from tests.audit_log.test_search import rows
from tests.factories import stop_search

ROOT = Path(__file__).resolve().parents[2]
ROW = re.compile(r"<tr>\s*<td><time.*?</tr>", re.S)


def record_cells(page: str) -> dict[tuple[str, str], str | None]:
    """Each (record type, record id) on the page and the URL it links to (None for plain text)."""
    found = {}
    for row in ROW.findall(page):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        link = re.match(r'<a href="([^"]+)">([^<]+)</a>', cells[4])
        found[(cells[3], link.group(2) if link else cells[4].strip())] = link.group(1) if link else None
    return found


def test_times_are_uk_time_with_the_utc_instant_for_machines(client, admin, add_event):
    add_event(datetime(2026, 7, 1, 11, 30, 5, tzinfo=UTC), record_id="summer")  # BST: 12:30:05
    add_event(datetime(2026, 12, 1, 11, 30, 5, tzinfo=UTC), record_id="winter")  # GMT: 11:30:05
    page = client.get("/audit?record_type=entry").get_data(as_text=True)
    assert "Time (UK)" in page and "Time (UTC)" not in page
    found = {row[4]: row[0] for row in rows(page)}
    assert found == {"summer": "Wed 01 Jul 2026, 12:30:05", "winter": "Tue 01 Dec 2026, 11:30:05"}
    assert '<time datetime="2026-07-01T11:30:05Z">' in page


def test_days_are_uk_days_and_the_export_stays_in_utc(client, admin, add_event):
    add_event(datetime(2026, 7, 1, 23, 30, tzinfo=UTC), record_id="late")  # 00:30 on 2 July, UK time

    def ids(query: str) -> set[str]:
        return {row[4] for row in rows(client.get(f"/audit?record_type=entry&{query}").get_data(as_text=True))}

    assert ids("date_from=2026-07-02&date_to=2026-07-02") == {"late"}
    assert ids("date_to=2026-07-01") == set()
    page = client.get("/audit").get_data(as_text=True)
    assert "Whole days on UK time" in page
    export = client.get("/audit/export.csv?record_type=entry&date_from=2026-07-02&date_to=2026-07-02")
    [header, row] = list(csv.reader(io.StringIO(export.get_data(as_text=True))))
    assert dict(zip(header, row))["at_utc"] == "2026-07-01T23:30:00+00:00"


def test_record_type_is_a_list_of_the_types_the_code_writes(client, admin, add_event):
    page = client.get("/audit").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="record_type".*?</select>', page, re.S).group(0)
    offered = re.findall(r'<option[^>]*value="([^"]*)"', select_html)
    assert offered == [""] + [value for value, _ in RECORD_TYPES]
    add_event(datetime(2026, 3, 1, tzinfo=UTC), record_type="photo", record_id="p1")
    assert [r[4] for r in rows(client.get("/audit?record_type=photo").get_data(as_text=True))] == ["p1"]
    for path in ("/audit", "/audit/export.csv"):
        response = client.get(f"{path}?record_type=nonsense")
        refused = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 400
        assert "Choose a record type from the list." in refused and 'id="record_type-error"' in refused


def test_every_record_type_written_in_the_code_is_in_the_list():
    written = set()
    for path in (ROOT / "fieldapp").rglob("*.py"):
        source = path.read_text()
        written |= set(re.findall(r'(?:record|record_many|event_rows)\(\s*AuditAction\.\w+,\s*"([^"]+)"', source))
    assert written, "no audit.record calls found"
    assert written <= {value for value, _ in RECORD_TYPES}
    assert {"export:encounter", "export:postbox_visit", "export:postbox_item"} <= {v for v, _ in RECORD_TYPES}


def _photo(entry_id: str) -> str:
    """A photo row on ``entry_id`` (its bytes a stand-in), returning its id."""
    data = b"not really a jpeg"
    digest = hashlib.sha256(data).hexdigest()
    if db.session.get(PhotoBlob, digest) is None:
        db.session.add(PhotoBlob(sha256=digest, size=len(data), data=data))
    photo = Photo(id=uuid.uuid4(), entry_id=uuid.UUID(entry_id), content_type="image/jpeg", size=len(data),
                  sha256=digest, uploaded_by=db.session.scalar(select(Entry.author_id)))
    db.session.add(photo)
    db.session.commit()
    return str(photo.id)


@pytest.fixture
def named_records(officer, postbox, admin, add_event):
    """Events naming an entry, a photo of it, a user, a device, a postbox, and records that do not exist."""
    entry = stop_search()
    officer.push(entry)
    photo_id = _photo(entry["id"])
    gone = str(uuid.uuid4())
    at = datetime(2026, 3, 1, tzinfo=UTC)
    add_event(at, record_type="photo", record_id=photo_id)
    add_event(at, record_type="contact_details", record_id=entry["id"])
    add_event(at, record_type="user", record_id=str(admin.id))
    add_event(at, record_type="device", record_id=str(officer.device_id))
    add_event(at, record_type="postbox", record_id=str(postbox))
    add_event(at, record_type="entry", record_id=gone)  # erased
    add_event(at, record_type="photo", record_id=str(uuid.uuid4()))
    add_event(at, record_type="user", record_id="99999")
    add_event(at, record_type="report", record_id="dashboard")
    return {"entry": entry["id"], "photo": photo_id, "gone": gone, "postbox": postbox, "admin": admin,
            "device": officer.device_id, "officer": db.session.scalar(select(Entry.author_id))}


def test_rows_link_to_the_records_the_admin_may_open(client, named_records):
    page = client.get("/audit").get_data(as_text=True)
    links = record_cells(page)
    entry, admin = named_records["entry"], named_records["admin"]
    assert links[("entry", entry)] == links[("contact_details", entry)] == f"/review/{entry}"
    assert links[("photo", named_records["photo"])] == f"/review/{entry}"
    assert links[("user", str(admin.id))] == f"/admin/users/{admin.id}"
    assert links[("device", str(named_records["device"]))] == f"/admin/users/{named_records['officer']}"
    assert links[("postbox", str(named_records["postbox"]))] == f"/admin/postboxes/{named_records['postbox']}"
    for plain in (("entry", named_records["gone"]), ("user", "99999"), ("report", "dashboard")):
        assert links[plain] is None
    assert [key for key, link in links.items() if key[0] == "photo" and link is None]  # the photo that is not
    for link in set(links.values()) - {None}:
        assert client.get(link).status_code == 200, link


def test_supervisors_cannot_open_the_log_nor_get_links_beyond_their_reach(client, named_records, create_user,
                                                                         auth):
    rows_ = db.session.execute(select(AuditEvent.record_type, AuditEvent.record_id)).all()
    same_team = create_user("sgt", role="supervisor", team="Rose Hill")
    other_team = create_user("sgt2", role="supervisor", team="Headington")
    entry = named_records["entry"]
    with client.application.test_request_context():
        mine = record_links(rows_, Viewer(same_team.role, same_team.id, same_team.team_id))
        theirs = record_links(rows_, Viewer(other_team.role, other_team.id, other_team.team_id))
    assert mine[("entry", entry)] == f"/review/{entry}"
    assert ("user", str(named_records["admin"].id)) not in mine  # the admin pages are admins' only
    assert ("entry", entry) not in theirs and ("photo", named_records["photo"]) not in theirs
    auth.logout()
    auth.login("sgt")
    assert client.get("/audit").status_code == 403  # the log is admins' (tests/audit_log/test_audit_log_roles.py)


def test_links_cost_one_query_per_kind_of_record_not_one_per_row(client, admin, officer, add_event):
    entries = [stop_search() for _ in range(14)]
    officer.push(*entries)
    for n, entry in enumerate(entries):  # twelve events on 1 March, two on 2 March
        add_event(datetime(2026, 3, 1 if n < 12 else 2, 12, tzinfo=UTC), record_type="entry", record_id=entry["id"])

    def statements(day: int, expected: int) -> int:
        seen = []

        def count(*args) -> None:
            seen.append(args[2])

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = client.get(f"/audit?date_from=2026-03-0{day}&date_to=2026-03-0{day}").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert len([link for link in record_cells(page).values() if link]) == expected
        return len([statement for statement in seen if statement.lstrip().upper().startswith("SELECT")])

    assert statements(1, 12) == statements(2, 2)
