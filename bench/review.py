#!/usr/bin/env python
"""Review benchmark: the supervisor's pages and a full export on a large database, over HTTP.

It seeds N entries (default 1,000,000) spread over 50 officers in 4 teams and
the last 3 years (mostly street encounters, some postbox visits and items,
with decisions on a share), by bulk inserts straight into the tables the app
reads (PostgreSQL COPY through psycopg, SQLAlchemy Core executemany on
SQLite). It then starts the real server (``python -m fieldapp.cli serve
--workers 1``), signs a supervisor in through /login (CSRF token included)
and measures, ``--repeat`` times each, printing p50/p95:

- the queue's first page (``/review``);
- a page deep in the queue (the ``Next page`` link followed ``--depth`` times);
- a filtered page (unreviewed stop and searches), and one officer's since a date;
- text search, for reference (no target): a word in a third of the grounds,
  and words in none (the worst case: with no text index it reads the team);
- an entry page (``/review/<id>``, a different entry each time);
- a full CSV export of the team's encounters (``/exports/encounter.csv``) and,
  as an admin, of every team's, with the time and the server's peak memory
  (VmHWM of the worker process from /proc, reset before each export where
  the kernel allows).

Targets (PostgreSQL): queue pages p95 <= 100 ms; full export peak server
memory <= 250 MB.

Usage::

    python bench/review.py -n 20000                      # SQLite file in a temporary folder
    python bench/review.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

With a PostgreSQL URL, a throwaway database ``fieldapp_bench_<hex>`` is made
on that server and dropped at the end (on error and Ctrl+C too); the
database named in the URL is only used to connect. ``--keep`` leaves it in
place and prints its name; ``--reuse-database fieldapp_bench_<hex>`` measures
it again without seeding (after applying any new migrations), and keeps it.
Linux only (reads /proc).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.servers import ServerProcess, create_database, drop_database  # noqa: E402  (after the path is set)

PASSWORD = "bench-password-not-secret"
TEAMS = ["Rose Hill", "Cowley", "Headington", "Jericho"]
OFFICERS = 50
YEARS = 3
CHUNK = 20_000
TARGETS = {"queue_p95_ms": 100.0, "export_peak_mb": 250.0}

KINDS = [("stop_search", 55), ("stop_account", 15), ("asb", 12), ("begging", 6), ("welfare_check", 8), ("other", 4)]
SEARCH_TYPES = ["Person search", "Person search", "Person search", "Vehicle search", "Person and Vehicle search"]
LEGISLATION = ["Misuse of Drugs Act 1971 (section 23)", "Police and Criminal Evidence Act 1984 (section 1)",
               "Criminal Justice and Public Order Act 1994 (section 60)"]
OBJECTS = ["Controlled drugs", "Offensive weapons", "Stolen goods", "Article for use in theft"]
OUTCOMES = ["A no further action disposal"] * 6 + ["Arrest", "Community resolution", "Khat or Cannabis warning"]
ETHNICITIES = ["White - English/Welsh/Scottish/Northern Irish/British", "White - Irish",
               "Asian/Asian British - Pakistani", "Black/African/Caribbean/Black British - Caribbean",
               "Mixed/Multiple ethnic groups - White and Asian", "Other ethnic group - Not stated"]
GROUNDS = ["Strong smell of cannabis coming from him; saw him pass a small bag to another man.",
           "Matched the description of a phone snatch suspect given ten minutes earlier: grey tracksuit.",
           "Seen trying car door handles along Oxford Road, looking into each car, screwdriver in hand."]
PLACES = ["Outside the Co-op, Rose Hill", "Bus shelter, Cowley Road", "Blackbird Leys park", "Towpath, Donnington"]
TOPICS = ["drugs", "anti-social-behaviour", "parking", "begging", "vehicle-crime", "fly-tipping", "praise"]


# --------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------

REUSABLE = re.compile(r"fieldapp_bench_[0-9a-z_]{1,40}")


@contextmanager
def bench_database(url: str | None, workdir: Path, keep: bool = False, reuse: str | None = None) -> Iterator[str]:
    """A fresh database URL: a SQLite file in ``workdir``, or a throwaway PostgreSQL database.

    ``keep`` leaves the PostgreSQL database in place at the end (its name is printed);
    ``reuse`` names such a kept database to measure again without seeding; it is never dropped.
    """
    if not url:
        yield f"sqlite:///{workdir / 'bench.sqlite3'}"
        return
    from sqlalchemy.engine import make_url

    if reuse:
        from sqlalchemy import create_engine, text

        server = make_url(url).set(drivername="postgresql+psycopg")
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": reuse}).scalar()
        admin.dispose()
        if not found:
            raise SystemExit(f"no database {reuse} on that server (make one with --keep)")
        yield server.set(database=reuse).render_as_string(hide_password=False)
        print(f"kept database {reuse}")
        return
    made = create_database(url, "fieldapp_bench")
    name = make_url(made).database
    try:
        yield made
    finally:
        if keep:
            print(f"kept database {name}: measure it again with --reuse-database {name}; "
                  f"drop it with: DROP DATABASE {name}")
        else:
            drop_database(made)
            print(f"dropped database {name}")


# --------------------------------------------------------------------------
# Seeding
# --------------------------------------------------------------------------

@dataclass
class Seeded:
    """What the measurements need to know about the seeded data."""

    supervisor: str
    admin: str
    team_id: int
    entry_ids: list[str]  # a sample of the supervisor's team's entries
    total: int


def _people(app) -> tuple[dict[int, list[int]], dict[int, int], str, str, dict[int, list[int]]]:
    """Teams, 50 officers, a supervisor per team, an admin and postboxes; returns the ids by team."""
    from fieldapp.accounts.operations import create_user, get_or_create_team
    from fieldapp.extensions import db
    from fieldapp.models import Placement, Postbox, User

    officers: dict[int, list[int]] = {}
    supervisors: dict[int, int] = {}
    postboxes: dict[int, list[int]] = {}
    admin = create_user("bench.admin", PASSWORD, role="admin", team_name=TEAMS[0])
    teams = [get_or_create_team(name) for name in TEAMS]

    def add(username: str, role: str, team_id: int) -> User:
        """A user sharing the admin's password hash."""
        # One scrypt hash for everyone: seeding is not a sign-in benchmark.
        user = User(username=username, display_name=username.replace("bench.", "").title(), role=role,
                    team_id=team_id, password_hash=admin.password_hash)
        db.session.add(user)
        db.session.flush()
        return user

    for number in range(OFFICERS):
        team = teams[number % len(teams)]
        officers.setdefault(team.id, []).append(add(f"bench.officer{number:02d}", "officer", team.id).id)
    for index, team in enumerate(teams):
        supervisors[team.id] = add(f"bench.sergeant{index}", "supervisor", team.id).id
        for box in range(3):
            postbox = Postbox(label=f"BENCH-{index}-{box}", team_id=team.id)
            postbox.placements.append(Placement(site_name=f"{team.name} site {box}", site_type="shop",
                                                address=f"{box} High Street", latitude=51.73, longitude=-1.23,
                                                placed_from=datetime(2020, 1, 1, tzinfo=UTC)))
            db.session.add(postbox)
            db.session.flush()
            postboxes.setdefault(team.id, []).append(postbox.id)
    db.session.commit()
    return officers, supervisors, "bench.sergeant0", "bench.admin", postboxes


def _encounter(rng: random.Random, occurred: datetime) -> dict[str, Any]:
    """The data of one encounter, roughly the mix officers record."""
    kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
    data: dict[str, Any] = {"kind": kind, "occurred_at": occurred.isoformat(), "bwv_used": True,
                            "location_text": rng.choice(PLACES)}
    if kind == "stop_search" or rng.random() < 0.5:
        data.update(latitude=round(51.70 + rng.random() * 0.08, 6), longitude=round(-1.30 + rng.random() * 0.12, 6),
                    location_accuracy_m=8.0)
    data.update(gender=rng.choice(["Male", "Male", "Female"]), age_range=rng.choice(["18-24", "25-34", "over 34"]),
                self_defined_ethnicity=rng.choice(ETHNICITIES), officer_defined_ethnicity=rng.choice(["White", "Black", "Asian"]))
    if kind == "stop_search":
        search_type = rng.choice(SEARCH_TYPES)
        data.update(search_type=search_type, legislation=rng.choice(LEGISLATION), object_of_search=rng.choice(OBJECTS),
                    grounds=rng.choice(GROUNDS), outcome=rng.choice(OUTCOMES),
                    outcome_linked_to_object_of_search=rng.random() < 0.3,
                    removal_of_more_than_outer_clothing=rng.random() < 0.05)
        if search_type != "Person search":
            data["vehicle_registration"] = f"AB{rng.randint(10, 99)}CDE"
    elif kind == "asb":
        data.update(asb_category="nuisance", asb_action="advice")
    elif kind in ("begging", "welfare_check"):
        data.update(support_offered=True, referral_made=False)
    if rng.random() < 0.3:
        data["notes"] = "Cooperative throughout; given a copy of the record."
    return data


class Writer:
    """Bulk inserts: COPY on PostgreSQL, Core executemany on SQLite."""

    def __init__(self, engine) -> None:
        """Write through ``engine``."""
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def write(self, tables: dict[str, list[dict[str, Any]]]) -> None:
        """Insert every table's rows in one transaction, in the order given (parents first)."""
        from fieldapp.extensions import db

        if self.postgres:
            raw = self.engine.raw_connection()
            try:
                with raw.cursor() as cursor:
                    for name, rows in tables.items():
                        if not rows:
                            continue
                        columns = list(rows[0])
                        with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row([json.dumps(v) if isinstance(v, dict) else v for v in row.values()])
                raw.commit()
            finally:
                raw.close()
            return
        with self.engine.begin() as conn:
            for name, rows in tables.items():
                if rows:
                    conn.execute(db.metadata.tables[name].insert(), rows)


def seed(app, count: int, rng: random.Random) -> Seeded:
    """Seed ``count`` entries and the people and postboxes they need."""
    from sqlalchemy import text

    from fieldapp.extensions import db

    officers, supervisors, supervisor, admin, postboxes = _people(app)
    team_of = {officer: team for team, ids in officers.items() for officer in ids}
    all_officers = list(team_of)
    writer = Writer(db.engine)
    now = datetime.now(UTC)
    span = timedelta(days=365 * YEARS).total_seconds()
    sample: list[str] = []
    team_id = min(supervisors)
    made = 0
    started = time.perf_counter()
    while made < count:
        tables: dict[str, list[dict[str, Any]]] = {name: [] for name in (
            "entries", "encounters", "postbox_visits", "postbox_items", "postbox_item_topics", "entry_versions",
            "reviews")}
        while made < count and len(tables["entries"]) < CHUNK:
            author = rng.choice(all_officers)
            team = team_of[author]
            occurred = now - timedelta(seconds=rng.random() * span + 600)
            received = occurred + timedelta(seconds=rng.uniform(60, 6 * 3600))
            received = min(received, now)
            if rng.random() < 0.03:  # a postbox round: one visit, a few cards
                visit_id = uuid.uuid4()
                box = rng.choice(postboxes[team])
                items = rng.randint(1, 4)
                visit = {"postbox_id": box, "visited_at": occurred.isoformat(), "box_condition": "ok",
                         "item_count": items}
                made += _add_entry(tables, visit_id, "postbox_visit", author, team, occurred, received, visit,
                                   supervisors[team], rng)
                tables["postbox_visits"].append({"entry_id": visit_id, "postbox_id": box, "placement_id": None,
                                                 "visited_at": occurred, "box_condition": "ok", "item_count": items,
                                                 "notes": None})
                for _ in range(items):
                    item_id = uuid.uuid4()
                    topics = rng.sample(TOPICS, rng.randint(1, 2))
                    item = {"visit_id": str(visit_id), "topics": topics, "summary": "Dealing by the bus shelter."}
                    made += _add_entry(tables, item_id, "postbox_item", author, team, occurred, received, item,
                                       supervisors[team], rng)
                    tables["postbox_items"].append({
                        "entry_id": item_id, "visit_id": visit_id, "summary": item["summary"],
                        "anonymity": "anonymous", "contact_details": None, "location_text": rng.choice(PLACES),
                        "latitude": None, "longitude": None, "urgency": rng.choice(["routine", "routine", "priority"]),
                        "safeguarding": rng.random() < 0.05, "identifies_author": False,
                        "action": rng.choice(["none", "intel_submitted", "partner_referral"])})
                    tables["postbox_item_topics"].extend({"item_id": item_id, "topic": t} for t in topics)
            else:
                entry_id = uuid.uuid4()
                data = _encounter(rng, occurred)
                made += _add_entry(tables, entry_id, "encounter", author, team, occurred, received, data,
                                   supervisors[team], rng)
                row = {column: None for column in ENCOUNTER_COLUMNS}
                row.update({k: v for k, v in data.items() if k in ENCOUNTER_COLUMNS})
                row.update(entry_id=entry_id, occurred_at=occurred)
                tables["encounters"].append(row)
                if team == team_id and len(sample) < 1000 and rng.random() < 0.05:
                    sample.append(str(entry_id))
        writer.write(tables)
        rate = made / (time.perf_counter() - started)
        print(f"\r  seeded {made:,}/{count:,} entries ({rate:,.0f}/s)", end="", flush=True)
    print()
    # VACUUM as well as ANALYZE: the state autovacuum brings a bulk-loaded table to soon after
    # (visibility map set, so index-only scans need no heap visits), not a just-loaded one.
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return Seeded(supervisor, admin, team_id, sample, made)


def already_seeded() -> Seeded:
    """What :func:`seed` returned, read back from a database it seeded earlier (``--reuse-database``)."""
    from sqlalchemy import func, select

    from fieldapp.extensions import db
    from fieldapp.models import Entry, User

    supervisor = db.session.scalar(select(User).where(User.username == "bench.sergeant0"))
    if supervisor is None:
        raise SystemExit("that database was not seeded by this script (no bench.sergeant0)")
    # Entry ids are random UUIDs: the first thousand by id are a random sample of the team's encounters.
    sample = [str(i) for i in db.session.scalars(
        select(Entry.id).where(Entry.team_id == supervisor.team_id, Entry.type == "encounter")
        .order_by(Entry.id).limit(1000))]
    total = db.session.scalar(select(func.count()).select_from(Entry))
    return Seeded("bench.sergeant0", "bench.admin", supervisor.team_id, sample, total)


def _add_entry(tables: dict[str, list[dict[str, Any]]], entry_id: uuid.UUID, entry_type: str, author: int, team: int,
               occurred: datetime, received: datetime, data: dict[str, Any], reviewer: int,
               rng: random.Random) -> int:
    """Add the entries, entry_versions (and maybe reviews) rows of one entry; returns 1."""
    content_hash = hashlib.sha256(entry_id.bytes).hexdigest()
    captured = received - timedelta(seconds=30)
    state = "unreviewed"
    if received < datetime.now(UTC) - timedelta(days=7) and rng.random() < 0.8:
        state = rng.choices(["approved", "returned", "flagged"], weights=[90, 7, 3])[0]
        tables["reviews"].append({"entry_id": entry_id, "entry_version": 1, "reviewer_id": reviewer,
                                  "decision": state, "comment": "Please add the footage reference." if state ==
                                  "returned" else None, "grounds_assessment": None, "bwv_viewed": None,
                                  "created_at": received + timedelta(hours=20)})
    tables["entries"].append({"id": entry_id, "type": entry_type, "author_id": author, "team_id": team,
                              "device_id": None, "version": 1, "captured_at": captured, "captured_offset_minutes": 0,
                              "received_at": received, "updated_at": received, "occurred_at": occurred,
                              "content_hash": content_hash, "review_state": state})
    tables["entry_versions"].append({"entry_id": entry_id, "version": 1, "data": data, "content_hash": content_hash,
                                     "captured_at": captured, "captured_offset_minutes": 0, "received_at": received,
                                     "submitted_by": author, "device_id": None})
    return 1


ENCOUNTER_COLUMNS: list[str] = []  # filled from the model in main(), once the app is importable


# --------------------------------------------------------------------------
# HTTP: a signed-in browser, without a browser
# --------------------------------------------------------------------------

class WebSession:
    """One keep-alive connection with the session cookie, as a browser would hold it."""

    CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

    def __init__(self, port: int) -> None:
        """Connect to the server on ``port``."""
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, sink: Callable[[bytes], None] | None = None) -> tuple[int, str, dict[str, str]]:
        """Send one request; the body is returned as text, or fed to ``sink`` chunk by chunk."""
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        if sink is None:
            text = response.read().decode("utf-8", "replace")
        else:
            text = ""
            while chunk := response.read(65536):
                sink(chunk)
        return response.status, text, {k.lower(): v for k, v in response.getheaders()}

    def get(self, path: str, sink: Callable[[bytes], None] | None = None) -> tuple[int, str]:
        """GET ``path``; (status, text)."""
        status, text, _ = self.request("GET", path, sink=sink)
        return status, text

    def sign_in(self, username: str, password: str) -> None:
        """Through the real form: fetch the CSRF token, post it with the credentials."""
        _, page = self.get("/login")
        token = self.CSRF.search(page)
        if not token:
            raise RuntimeError("no CSRF token on /login")
        body = urlencode({"username": username, "password": password, "csrf_token": token.group(1)}).encode()
        status, _, headers = self.request("POST", "/login", body=body,
                                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"sign-in as {username} answered {status}")


# --------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def timed(label: str, call: Callable[[int], tuple[int, str]], repeat: int) -> list[float]:
    """Run ``call(i)`` ``repeat`` times (after one warm-up), print and return the times in ms."""
    status, _ = call(-1)
    if status != 200:
        raise RuntimeError(f"{label}: HTTP {status}")
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        status, _ = call(i)
        times.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise RuntimeError(f"{label}: HTTP {status}")
    print(f"  {label:<34} p50 {statistics.median(times):8.1f} ms   p95 {percentile(times, 0.95):8.1f} ms"
          f"   (n={repeat})")
    return times


NEXT = re.compile(r'<a[^>]*href="([^"]+)"[^>]*rel="next"|<a[^>]*rel="next"[^>]*href="([^"]+)"')


def next_link(page: str) -> str | None:
    """The queue's 'Next page' link (rel="next"), unescaped."""
    match = NEXT.search(page)
    if not match:
        return None
    return (match.group(1) or match.group(2)).replace("&amp;", "&")


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: the children of the serve process."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if re.search(rf"^PPid:\s+{master}$", status, re.M):
                found.append(int(entry.name))
    return found


def memory_kb(pid: int, field: str) -> int:
    """A VmXXX figure of /proc/<pid>/status, in kB."""
    match = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
    return int(match.group(1)) if match else 0


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux: write 5 to clear_refs); False if not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measure_export(web: WebSession, path: str, server_pid: int, repeat: int, label: str) -> dict[str, float]:
    """Download ``path`` ``repeat`` times; time, size and the workers' peak memory."""
    times, peaks = [], []
    rows = 0
    for _ in range(repeat):
        workers = worker_pids(server_pid)  # a worker may have been replaced since
        reset = all(reset_peak(pid) for pid in workers)
        before = max(memory_kb(pid, "VmRSS") for pid in workers)
        lines = 0

        def count(chunk: bytes) -> None:
            """Count the lines of the file as it arrives, keeping none of it."""
            nonlocal lines
            lines += chunk.count(b"\n")

        start = time.perf_counter()
        try:
            status, _ = web.get(path, sink=count)
        except (OSError, http.client.HTTPException) as exc:
            # A worker killed mid-stream (e.g. gunicorn's timeout): report it, measure the rest.
            elapsed = time.perf_counter() - start
            print(f"  {label:<34} FAILED after {elapsed:.1f} s and {lines:,} lines: {exc!r}")
            web.conn.close()
            return {"rows": lines, "p50_s": elapsed, "peak_mb": max(memory_kb(pid, "VmHWM") for pid in
                                                                     worker_pids(server_pid)) / 1024}
        times.append(time.perf_counter() - start)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
        peaks.append(max(memory_kb(pid, "VmHWM") for pid in workers) / 1024)
        rows = lines - 1
    print(f"  {label:<34} {rows:,} rows; p50 {statistics.median(times):.1f} s, max {max(times):.1f} s "
          f"({rows / statistics.median(times):,.0f} rows/s); worker RSS before {before / 1024:.0f} MB, "
          f"peak {max(peaks):.0f} MB{'' if reset else ' (peak since start: clear_refs not allowed)'}")
    return {"rows": rows, "p50_s": statistics.median(times), "peak_mb": max(peaks)}


def measure(server: ServerProcess, seeded: Seeded, repeat: int, depth: int, export_repeat: int) -> dict[str, Any]:
    """Every measurement; returns the figures for the summary."""
    port = server.port
    web = WebSession(port)
    web.sign_in(seeded.supervisor, PASSWORD)
    results: dict[str, Any] = {}
    print(f"As supervisor {seeded.supervisor} (their team: about {seeded.total // len(TEAMS):,} entries):")
    results["first"] = timed("queue, first page", lambda i: web.get("/review"), repeat)

    # Walk 'Next page' links: the deep page is the one reached after `depth` hops.
    path, hops, hop_times = "/review", 0, []
    while hops < depth:
        start = time.perf_counter()
        status, page = web.get(path)
        hop_times.append((time.perf_counter() - start) * 1000)
        link = next_link(page)
        if status != 200 or not link:
            break
        path, hops = urljoin("/review", link), hops + 1
    print(f"  followed 'Next page' {hops} times (p50 {statistics.median(hop_times):.1f} ms a page)")
    results["deep"] = timed(f"queue, page {hops + 1}", lambda i: web.get(path), repeat)
    filtered = "/review?" + urlencode({"type": "encounter", "kind": "stop_search", "state": "unreviewed"})
    results["filtered"] = timed("queue, unreviewed stop and search", lambda i: web.get(filtered), repeat)
    officer_filter = "/review?" + urlencode({"officer": "bench.officer04", "from": "2025-01-01"})
    results["officer"] = timed("queue, one officer since a date", lambda i: web.get(officer_filter), repeat)
    common = "/review?" + urlencode({"q": "screwdriver"})
    results["search_common"] = timed("queue, search: a common word", lambda i: web.get(common), repeat)
    rare = "/review?" + urlencode({"q": "zebra crossing"})
    results["search_rare"] = timed("queue, search: words in no entry", lambda i: web.get(rare), max(3, repeat // 4))
    ids = seeded.entry_ids or []
    results["entry"] = timed("entry page", lambda i: web.get(f"/review/{ids[i % len(ids)]}"), repeat)

    server_pid = server.process.pid
    results["export_team"] = measure_export(web, "/exports/encounter.csv", server_pid, export_repeat,
                                            "export, the team's encounters")
    admin = WebSession(port)
    admin.sign_in(seeded.admin, PASSWORD)
    print(f"As admin {seeded.admin} (every team):")
    results["export_all"] = measure_export(admin, "/exports/encounter.csv", server_pid, export_repeat,
                                           "export, every encounter")
    # The seed spans 3 years; the national file takes at most 5, so 4 years back covers every entry.
    today = datetime.now(UTC).date()
    results["export_national"] = measure_export(
        admin, f"/exports/stop-search.csv?from={today - timedelta(days=4 * 365)}&to={today}", server_pid,
        export_repeat, "export, national stop and search")
    return results


def summary(results: dict[str, Any], postgres: bool) -> None:
    """Print the figures against the targets."""
    queue_p95 = max(percentile(results[k], 0.95) for k in ("first", "deep", "filtered", "officer"))
    export_peak = max(results[k]["peak_mb"] for k in ("export_team", "export_all", "export_national"))
    print("\nTargets" + ("" if postgres else " (they are set for PostgreSQL; this run is on SQLite)") + ":")
    for label, value, target, unit in (("queue pages p95", queue_p95, TARGETS["queue_p95_ms"], "ms"),
                                       ("export peak server memory", export_peak, TARGETS["export_peak_mb"], "MB")):
        verdict = "met" if value <= target else "MISSED"
        print(f"  {label:<28} {value:8.1f} {unit} (target <= {target:.0f} {unit}): {verdict}")
    search_p95 = max(percentile(results[k], 0.95) for k in ("search_common", "search_rare"))
    print(f"  {'text search p95':<28} {search_p95:8.1f} ms (no target: for reference)")


def main(argv: list[str] | None = None) -> int:
    """Parse the options, seed, serve, measure, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("-n", type=int, default=1_000_000, help="entries to seed (default 1,000,000)")
    parser.add_argument("--database-url", help="PostgreSQL server to make a throwaway database on "
                                               "(default: a SQLite file in a temporary folder)")
    parser.add_argument("--repeat", type=int, default=20, help="measurements of each page (default 20)")
    parser.add_argument("--depth", type=int, default=20, help="'Next page' links to follow (default 20)")
    parser.add_argument("--export-repeat", type=int, default=3, help="downloads of each export (default 3)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--keep", action="store_true",
                        help="PostgreSQL: keep the seeded database at the end and print its name")
    parser.add_argument("--reuse-database", metavar="NAME",
                        help="PostgreSQL: measure a database kept by an earlier --keep run instead of seeding "
                             "(migrations are applied first; -n and --seed are ignored; it is kept)")
    args = parser.parse_args(argv)
    if (args.keep or args.reuse_database) and not args.database_url:
        parser.error("--keep and --reuse-database need --database-url (PostgreSQL)")
    if args.reuse_database and not REUSABLE.fullmatch(args.reuse_database):
        parser.error("--reuse-database takes a name this script made: fieldapp_bench_<hex>")

    workdir = Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
    try:
        with ExitStack() as stack:
            url = stack.enter_context(bench_database(args.database_url, workdir, args.keep, args.reuse_database))
            instance = workdir / "instance"
            os.environ["FIELDAPP_INSTANCE_PATH"] = str(instance)
            from fieldapp import create_app
            from fieldapp.cli import upgrade_database
            from fieldapp.extensions import db
            from fieldapp.models import Encounter

            ENCOUNTER_COLUMNS.extend(Encounter.__table__.c.keys())
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": str(instance)})
            with app.app_context():
                started = time.perf_counter()
                upgrade_database()
                where = db.engine.url.render_as_string(hide_password=True)
                if args.reuse_database:
                    seeded = already_seeded()
                    print(f"Reusing {where}: {seeded.total:,} entries (migrated in "
                          f"{time.perf_counter() - started:.0f} s)")
                else:
                    print(f"Seeding {args.n:,} entries into {where}")
                    seeded = seed(app, args.n, random.Random(args.seed))
                    print(f"  done in {time.perf_counter() - started:.0f} s")
                db.session.remove()
                db.engine.dispose()
            server = stack.enter_context(ServerProcess(url, instance, workers=1, timeout=120))
            results = measure(server, seeded, args.repeat, args.depth, args.export_repeat)
            summary(results, url.startswith("postgresql"))
    except KeyboardInterrupt:
        print("\ninterrupted; cleaned up")
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
