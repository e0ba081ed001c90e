#!/usr/bin/env python
"""Ingest benchmark: how fast the real server stores pushed entries, exactly once.

For each client count it starts ``fieldapp serve`` on a fresh database, signs
one officer in from every client (one device token each), pushes N new
encounters in batches over keep-alive HTTP connections, checks that every
result is ``created``, replays the same requests (every result must be
``duplicate``) and prints entries/s, p50/p95 batch latency and bytes per
entry. It then inserts the same rows straight through SQLAlchemy Core, in one
transaction on a fresh database of the same kind: the ceiling.

``--profile`` instead runs pushes in-process through Flask's test client under
cProfile and prints where the server's time goes.

Every database, server and temporary folder it makes is removed at the end,
on error and on Ctrl+C too. See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import os
import pstats
import random
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.servers import Databases, ServerProcess, fieldapp_env, run_cli  # noqa: E402  (after the path is set)

PUSH_PATH = "/api/sync/push"
PASSWORD = "bench-password-not-secret"
USERNAME = "bench.officer"
TEAM = "Bench team"
PHONE_TZ = timezone(timedelta(hours=1))  # entries carry an offset, as a phone abroad would send

TARGETS = {"new_per_s": 6000, "p95_ms": 150, "ceiling_share": 0.25}


# --------------------------------------------------------------------------
# Entries: a realistic mix of encounters, built before anything is timed
# --------------------------------------------------------------------------

KIND_MIX = [("stop_search", 70), ("stop_account", 10), ("asb", 8), ("begging", 5), ("welfare_check", 5),
            ("other", 2)]
GROUNDS = [
    "Strong smell of cannabis coming from him; saw him pass a small bag to another man by the bus shelter.",
    "Matched the description given by the victim of a phone snatch ten minutes earlier: grey tracksuit, "
    "black rucksack, on a red bicycle heading towards the park.",
    "Seen trying car door handles along Oxford Road, looking into each car; had a screwdriver in his hand.",
    "Information from a shop security guard that he had concealed a knife in his waistband; kept touching it.",
]
NOTES = [
    "Subject was cooperative throughout. Given a copy of the record and told how to get the footage.",
    "Two friends nearby filmed the search; no complaint made. Area known for dealing after 10pm.",
    "Spoke at length about housing problems; referred to the neighbourhood team for follow-up.",
    "",
]
PLACES = ["Outside the Co-op, Rose Hill", "Bus shelter, Cowley Road by the library", "Blackbird Leys park, "
          "by the skate ramp", "Gloucester Green coach station, bay 4", "Towpath under Donnington Bridge"]
SEARCH_TYPES = ["Person search", "Person search", "Vehicle search", "Person and Vehicle search"]
LEGISLATION = ["Misuse of Drugs Act 1971 (section 23)", "Police and Criminal Evidence Act 1984 (section 1)",
               "Criminal Justice and Public Order Act 1994 (section 60)"]
OBJECTS = ["Controlled drugs", "Offensive weapons", "Stolen goods", "Article for use in theft"]
OUTCOMES = ["A no further action disposal", "Arrest", "Community resolution", "Khat or Cannabis warning"]
ETHNICITIES = ["White - English/Welsh/Scottish/Northern Irish/British", "White - Irish",
               "Asian/Asian British - Pakistani", "Black/African/Caribbean/Black British - Caribbean",
               "Mixed/Multiple ethnic groups - White and Asian", "Other ethnic group - Not stated"]


def _iso(moment: datetime) -> str:
    return moment.astimezone(PHONE_TZ).isoformat(timespec="seconds")


def _common(rng: random.Random, occurred: datetime, with_coordinates: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"occurred_at": _iso(occurred), "location_text": rng.choice(PLACES),
                            "bwv_used": True}
    if with_coordinates:
        data.update(latitude=round(51.70 + rng.random() * 0.08, 6), longitude=round(-1.30 + rng.random() * 0.12, 6),
                    location_accuracy_m=round(rng.uniform(3, 40), 1))
    data.update(gender=rng.choice(["Male", "Male", "Female", "Other"]),
                age_range=rng.choice(["10-17", "18-24", "25-34", "over 34"]),
                self_defined_ethnicity=rng.choice(ETHNICITIES),
                officer_defined_ethnicity=rng.choice(["Asian", "Black", "Mixed", "White", "Other"]))
    return data


def build_encounter(rng: random.Random, now: datetime) -> dict[str, Any]:
    """One new encounter as a phone sends it: fresh uuid4, times a few minutes in the past."""
    kind = rng.choices([k for k, _ in KIND_MIX], weights=[w for _, w in KIND_MIX])[0]
    captured = now - timedelta(seconds=rng.uniform(60, 300))
    occurred = captured - timedelta(seconds=rng.uniform(60, 1800))
    data = {"kind": kind, **_common(rng, occurred, with_coordinates=kind == "stop_search" or rng.random() < 0.5)}
    if kind == "stop_search":  # every field of the national return, and our own
        search_type = rng.choice(SEARCH_TYPES)
        bwv = rng.random() < 0.9
        data.update(
            bwv_used=bwv, search_type=search_type, legislation=rng.choice(LEGISLATION),
            object_of_search=rng.choice(OBJECTS), grounds=rng.choice(GROUNDS), outcome=rng.choice(OUTCOMES),
            outcome_linked_to_object_of_search=rng.random() < 0.3,
            removal_of_more_than_outer_clothing=rng.random() < 0.05,
            operation_name=rng.choice(["Op Sceptre", "Op Hawk", "Op Nightjar"]),
            notes=rng.choice(NOTES) or "No further notes.",
        )
        if bwv:
            data["bwv_footage_ref"] = f"BWV-{rng.randrange(10**6):06d}"
        else:
            data["bwv_reason_not_used"] = "Camera battery flat at the start of the encounter."
        if search_type != "Person search":
            data["vehicle_registration"] = f"AB{rng.randrange(10, 99)} {rng.choice(['XYZ', 'KLM', 'RST'])}"
    elif kind == "asb":
        action = rng.choice(["advice", "advice", "s35_direction", "cpw"])
        data.update(asb_category=rng.choice(["personal", "nuisance", "environmental"]), asb_action=action)
        if action == "s35_direction":
            data.update(authorisation_ref=f"S35/{rng.randrange(1000):03d}", exclusion_hours=rng.randint(1, 48),
                        area_description="The shopping precinct and the car park behind it.")
        elif action == "cpw":
            data.update(conduct="Stop leaving rubbish in the shared garden.",
                        comply_by=(now + timedelta(days=14)).date().isoformat())
    elif kind in ("begging", "welfare_check"):
        referred = rng.random() < 0.4
        data.update(support_offered=True, referral_made=referred)
        if referred:
            data["referral_org"] = rng.choice(["Aspire", "Homeless Oxfordshire", "Mind"])
    if kind != "stop_search" and rng.random() < 0.6:
        data["notes"] = rng.choice(NOTES) or "Words of advice given."
    return {"id": str(uuid.uuid4()), "type": "encounter", "version": 1, "base_version": None,
            "captured_at": _iso(captured), "data": {k: v for k, v in data.items() if v is not None}}


def build_entries(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    return [build_encounter(rng, now) for _ in range(count)]


def encode_body(entries: list[dict[str, Any]]) -> bytes:
    return json.dumps({"entries": entries}, separators=(",", ":"), ensure_ascii=False).encode()


def raw_request(port: int, token: str, body: bytes) -> bytes:
    """The whole HTTP/1.1 request, headers and body, ready for sendall()."""
    head = (f"POST {PUSH_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("ascii") + body


# --------------------------------------------------------------------------
# HTTP calls outside the timed phases (throwaway databases and the server process: tests/servers.py)
# --------------------------------------------------------------------------

def http_call(port: int, method: str, path: str, body: Any = None, token: str | None = None,
              timeout: float = 30) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            return response.status, raw.decode(errors="replace")
    finally:
        conn.close()


# --------------------------------------------------------------------------
# CPU accounting (read-only looks at /proc): who used the 2 cores
# --------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int | str) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name_end = raw.rindex(")")
    return [raw[raw.index("(") + 1:name_end]] + raw[name_end + 2:].split()
    # fields after the name: [0]=state [1]=ppid [2]=pgrp ... [11]=utime [12]=stime


def cpu_seconds(stats: list[list[str]]) -> float:
    return sum(int(s[12]) + int(s[13]) for s in stats) / TICK


def database_cpu(database: str | None = None) -> float:
    """CPU seconds of the PostgreSQL processes serving ``database`` (their titles name it), or of all."""
    stats = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(entry)
            if stat and stat[0] == "postgres":
                if database is not None:
                    try:
                        title = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
                    except OSError:
                        continue
                    if f" {database} " not in title:
                        continue
                stats.append(stat)
    return cpu_seconds(stats)


def machine_busy() -> tuple[float, float]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) / TICK, (sum(values) - idle) / TICK


def busy_share(seconds: float = 1.0) -> float:
    """How busy the machine is over ``seconds`` (0..1 of all cores)."""
    total, busy = machine_busy()
    time.sleep(seconds)
    total2, busy2 = machine_busy()
    return (busy2 - busy) / (total2 - total) if total2 > total else 0.0


def wait_quiet(max_wait: float, threshold: float = 0.15) -> float:
    """Wait (at most ``max_wait`` s) until other work on the machine stops; return the last busy share."""
    deadline = time.monotonic() + max_wait
    load = busy_share()
    warned = False
    while load > threshold and time.monotonic() < deadline:
        if not warned:
            print(f"  machine {load:.0%} busy with other work: waiting up to {max_wait:.0f}s for it to go quiet...",
                  flush=True)
            warned = True
        load = busy_share()
    if load > threshold:
        print(f"  WARNING: machine still {load:.0%} busy with other work; figures will be low", flush=True)
    return load


@dataclass
class CpuSample:
    client: float
    server: float
    database: float
    total: float
    busy: float


def sample_cpu(server: ServerProcess | None, database: str | None) -> CpuSample:
    """CPU so far of this process, the server's processes and the backends of ``database`` (PostgreSQL)."""
    times = os.times()
    server_cpu = cpu_seconds([s for s in map(_stat, server.pids()) if s]) if server else 0.0
    total, busy = machine_busy()
    return CpuSample(times.user + times.system, server_cpu, database_cpu(database) if database else 0.0,
                     total, busy)


# --------------------------------------------------------------------------
# The load: C threads, each with its own keep-alive connection
# --------------------------------------------------------------------------

@dataclass
class Request:
    index: int  # batch number
    client: int
    raw: bytes
    ids: list[str]


@dataclass
class Phase:
    name: str
    clients: int
    entries: int
    seconds: float
    latencies: list[float]
    bytes_sent: int
    bytes_received: int
    connections: int
    cpu: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.entries / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
        return ordered[rank] * 1000


class Connection:
    """One client's socket: reused while the server keeps it open, reopened when it closes it."""

    def __init__(self, port: int) -> None:
        self.port, self.sock, self.opened = port, None, 0

    def exchange(self, raw: bytes) -> tuple[int, bytes]:
        for attempt in range(2):
            reused = self.sock is not None
            if self.sock is None:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=120)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.opened += 1
            try:
                self.sock.sendall(raw)
                response = http.client.HTTPResponse(self.sock, method="POST")
                response.begin()
                body = response.read()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                self.close()
                if reused and attempt == 0:
                    continue  # the server had closed an idle keep-alive connection: resend once
                raise
            if response.will_close:
                self.close()
            return response.status, body
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def run_phase(name: str, port: int, requests: list[Request], clients: int, entries: int,
              sample: Callable[[], CpuSample]) -> tuple[Phase, list[tuple[int, bytes]]]:
    """Send every request (each client its own share, in order); time the whole and each batch."""
    shares = [[r for r in requests if r.client == c] for c in range(clients)]
    latencies = [0.0] * len(requests)
    answers: list[tuple[int, bytes]] = [(0, b"")] * len(requests)
    errors: list[str] = []
    opened = [0] * clients
    barrier = threading.Barrier(clients + 1)

    def client(number: int) -> None:
        conn = Connection(port)
        clock = time.perf_counter
        try:
            barrier.wait()
            for request in shares[number]:
                start = clock()
                answers[request.index] = conn.exchange(request.raw)
                latencies[request.index] = clock() - start
        except Exception as exc:  # reported after the phase, never silently
            errors.append(f"client {number}: {type(exc).__name__}: {exc}")
        finally:
            opened[number] = conn.opened
            conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    before = sample()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    after = sample()
    phase = Phase(name, clients, entries, seconds, latencies, sum(len(r.raw) for r in requests),
                  sum(len(body) for _, body in answers), sum(opened), problems=errors)
    wall = after.total - before.total
    phase.cpu = {"client": after.client - before.client, "server": after.server - before.server,
                 "database": after.database - before.database,
                 "machine_busy": (after.busy - before.busy) / wall if wall else 0.0, "wall": seconds}
    phase.cpu["other"] = max(0.0, (after.busy - before.busy) - phase.cpu["client"] - phase.cpu["server"]
                             - phase.cpu["database"])
    return phase, answers


def verify(phase: Phase, requests: list[Request], answers: list[tuple[int, bytes]], expected: str) -> None:
    """Every batch 200, one result per entry in order, every status as expected."""
    wrong: dict[str, int] = {}
    for request, (status, body) in zip(requests, answers, strict=True):
        if status != 200:
            wrong[f"HTTP {status}"] = wrong.get(f"HTTP {status}", 0) + len(request.ids)
            if len(phase.problems) < 5:
                phase.problems.append(f"batch {request.index}: HTTP {status}: {body[:300]!r}")
            continue
        results = json.loads(body)["results"]
        if [r["id"] for r in results] != request.ids:
            phase.problems.append(f"batch {request.index}: results not one per entry in order")
        for result in results:
            if result["status"] != expected:
                wrong[result["status"]] = wrong.get(result["status"], 0) + 1
    if wrong:
        phase.problems.append(f"expected every result {expected!r}, got " +
                              ", ".join(f"{n} {status}" for status, n in sorted(wrong.items())))


def count_rows(database_url: str) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return {
                "entries": conn.scalar(text("SELECT count(*) FROM entries")),
                "encounters": conn.scalar(text("SELECT count(*) FROM encounters")),
                "entry_versions": conn.scalar(text("SELECT count(*) FROM entry_versions")),
                "audit collect": conn.scalar(text("SELECT count(*) FROM audit_events "
                                                  "WHERE action = 'collect' AND record_type = 'entry'")),
            }
    finally:
        engine.dispose()


def bench_clients(args, databases: Databases, workdir: Path, clients: int,
                  entries: list[dict[str, Any]]) -> tuple[list[Phase], dict[str, int]]:
    """One full measurement on a fresh database: start the server, push new, push duplicates."""
    from sqlalchemy.engine import make_url

    database_url = databases.fresh(f"c{clients}")
    server = ServerProcess(database_url, workdir / f"instance-c{clients}", workers=args.workers,
                           inherit_settings=False, wait_for_workers=True)
    try:
        server.start()
        run_cli(server.env, "create-user", USERNAME, "--role", "officer", "--team", TEAM, stdin=PASSWORD + "\n")
        tokens = []
        for n in range(clients):
            status, answer = http_call(server.port, "POST", "/api/auth/token",
                                       {"username": USERNAME, "password": PASSWORD, "device_name": f"bench {n}"})
            if status != 201:
                raise RuntimeError(f"POST /api/auth/token answered {status}: {answer}")
            tokens.append(answer["token"])

        # Warm every worker up (imports, compiled SQL, reference lists) with entries not counted.
        warm = build_entries(args.workers * 2 * 10, seed=args.seed + 1000 + clients)
        warm_batches = [warm[i * 10:(i + 1) * 10] for i in range(args.workers * 2)]
        warm_requests = [Request(i, i % args.workers, raw_request(server.port, tokens[0], encode_body(batch)),
                                 [e["id"] for e in batch]) for i, batch in enumerate(warm_batches)]
        warm_phase, warm_answers = run_phase("warm-up", server.port, warm_requests, args.workers, len(warm),
                                             lambda: sample_cpu(None, None))
        verify(warm_phase, warm_requests, warm_answers, "created")
        if warm_phase.problems:
            raise RuntimeError("warm-up failed: " + "; ".join(warm_phase.problems) + "\n" + server.tail())

        # Every request body built and encoded before the clock starts.
        requests = []
        for index, start in enumerate(range(0, len(entries), args.batch)):
            batch = entries[start:start + args.batch]
            client = index % clients
            requests.append(Request(index, client, raw_request(server.port, tokens[client], encode_body(batch)),
                                    [e["id"] for e in batch]))

        pg_name = make_url(database_url).database if databases.kind == "postgresql" else None

        def sample() -> CpuSample:
            return sample_cpu(server, pg_name)

        phases = []
        for name, expected in (("new", "created"), ("duplicate", "duplicate")):
            wait_quiet(args.quiet_wait)
            phase, answers = run_phase(name, server.port, requests, clients, len(entries), sample)
            verify(phase, requests, answers, expected)
            phases.append(phase)
            del answers
        counts = count_rows(database_url)
        expected_rows = len(entries) + len(warm)
        for table, count in counts.items():
            if count != expected_rows:
                phases[-1].problems.append(f"{table}: {count} rows, expected {expected_rows}")
        if server.process and server.process.poll() is not None:
            phases[-1].problems.append(f"server died:\n{server.tail()}")
        return phases, counts
    finally:
        server.stop()


# --------------------------------------------------------------------------
# The ceiling: the same rows through SQLAlchemy Core, one transaction
# --------------------------------------------------------------------------

def ceiling_rows(entries: list[dict[str, Any]], user_id: int, team_id: int,
                 device_id: int) -> dict[str, list[dict[str, Any]]]:
    """The rows a push of these new encounters writes, made by fieldapp/api/ingest.py's own row
    builders from the entries as its validation parses them (done here before the clock starts)."""
    from fieldapp.api.ingest import Author, collect_event_rows, content_rows, entry_row, version_row
    from fieldapp.models.types import utcnow
    from fieldapp.reference import reference_lists
    from sync import ValidationContext, validate_entry

    now = utcnow()
    context = ValidationContext(reference_lists(), now)
    validated = []
    for raw in entries:
        entry, errors = validate_entry(raw, context)
        if entry is None:
            raise RuntimeError(f"entry {raw['id']} is not valid: {errors}")
        validated.append(entry)
    author = Author(user_id, team_id, device_id)
    by_type, _ = content_rows(validated)
    # What the server's audit rows take from the push's request: who, from which device and address.
    request = {"actor_id": user_id, "device_id": device_id, "remote_addr": "127.0.0.1"}
    return {"entries": [entry_row(entry, author, now, {}) for entry in validated],
            "encounters": by_type["encounter"],
            "entry_versions": [version_row(entry, author, now) for entry in validated],
            "audit_events": [{**row, **request} for row in collect_event_rows(validated)]}


CEILING_MODES = {
    # One multi-row INSERT ... VALUES (...), (...) per table per batch: SQLAlchemy's "insertmanyvalues",
    # which it uses for an executemany INSERT with RETURNING.
    "multi-row VALUES": True,
    # Plain executemany: psycopg 3 pipelines one INSERT per row; sqlite3 loops one prepared statement in C
    # (what fieldapp/api/ingest.py does on SQLite).
    "executemany": False,
    # PostgreSQL only: each table's rows as one JSON parameter unpacked by json_to_recordset, the
    # statement fieldapp/bulk.py makes (the server runs the four as one statement; here, one each).
    "one JSON parameter": "json",
}


def bench_ceiling(args, databases: Databases, workdir: Path, entries: list[dict[str, Any]],
                  mode: str) -> dict[str, float]:
    """The same rows inserted straight through SQLAlchemy Core, one transaction, on a fresh database."""
    from sqlalchemy import create_engine, insert, select

    import fieldapp  # noqa: F401  (its engine hooks: the same SQLite pragmas as the server)
    from fieldapp.models import AuditEvent, Device, Encounter, EntryVersion, User
    from fieldapp.models import Entry as EntryRow

    database_url = databases.fresh("ceiling")
    env = fieldapp_env(database_url, workdir / f"instance-ceiling-{len(databases.made)}", inherit_settings=False)
    run_cli(env, "init-db")
    run_cli(env, "create-user", USERNAME, "--role", "officer", "--team", TEAM, stdin=PASSWORD + "\n")
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            user_id, team_id = conn.execute(select(User.id, User.team_id)).one()
            device_id = conn.execute(insert(Device).values(user_id=user_id, name="ceiling",
                                                           last_seen_at=datetime.now(UTC))
                                     .returning(Device.id)).scalar_one()
        rows = ceiling_rows(entries, user_id, team_id, device_id)
        tables = [("entries", EntryRow.__table__), ("encounters", Encounter.__table__),
                  ("entry_versions", EntryVersion.__table__), ("audit_events", AuditEvent.__table__)]
        if CEILING_MODES[mode] == "json":
            import orjson
            from sqlalchemy import text

            from fieldapp.bulk import recordset_insert_sql

            statements = {name: text(recordset_insert_sql(table, tuple(rows[name][0]), False, None, "rows"))
                          for name, table in tables}
            rows = {name: [orjson.dumps(rows[name][first:first + args.batch]).decode()
                           for first in range(0, len(entries), args.batch)] for name in rows}
        elif CEILING_MODES[mode]:
            statements = {name: table.insert().returning(*table.primary_key.columns) for name, table in tables}
        else:
            statements = {name: table.insert() for name, table in tables}
        with engine.connect() as conn:  # connect (and warm the pool) outside the clock
            conn.rollback()
        wait_quiet(args.quiet_wait)
        start = time.perf_counter()
        with engine.begin() as conn:  # one transaction; one statement per table per batch
            for number, first in enumerate(range(0, len(entries), args.batch)):
                for name, _ in tables:
                    if CEILING_MODES[mode] == "json":  # the JSON was made before the clock started
                        conn.execute(statements[name], {"rows": rows[name][number]}).close()
                    else:
                        conn.execute(statements[name], rows[name][first:first + args.batch]).close()
        seconds = time.perf_counter() - start
        counts = count_rows(database_url)
        if any(count != len(entries) for count in counts.values()):
            raise RuntimeError(f"ceiling stored {counts}, expected {len(entries)} of each")
        return {"mode": mode, "seconds": seconds, "rate": len(entries) / seconds}
    finally:
        engine.dispose()


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------

def print_report(args, databases: Databases, runs: list[tuple[int, list[Phase]]],
                 ceiling: dict[str, float] | None) -> None:
    print()
    print(f"fieldapp ingest benchmark: {args.entries:,} encounters, batches of {args.batch}, "
          f"{args.workers} server workers, {databases.describe().split(' (')[0]}, {os.cpu_count()} cores")
    header = (f"{'phase':<10} {'clients':>7} {'entries/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
              f"{'sent B/entry':>12} {'recv B/entry':>12} {'% ceiling':>9} {'conns':>6}")
    print(header)
    print("-" * len(header))
    for clients, phases in runs:
        for phase in phases:
            share = f"{phase.rate / ceiling['rate']:.0%}" if ceiling else "-"
            print(f"{phase.name:<10} {clients:>7} {phase.rate:>10,.0f} {phase.percentile(50):>8.1f} "
                  f"{phase.percentile(95):>8.1f} {max(phase.latencies) * 1000:>8.1f} "
                  f"{phase.bytes_sent / phase.entries:>12,.0f} {phase.bytes_received / phase.entries:>12,.0f} "
                  f"{share:>9} {phase.connections:>6}")
    if ceiling:
        for each in ceiling["all"]:
            mark = "  <- the ceiling" if each is ceiling else ""
            print(f"{'ceiling':<10} {'-':>7} {each['rate']:>10,.0f}   rows/s per table: SQLAlchemy Core, "
                  f"one transaction, {each['mode']} of {args.batch} rows{mark}")
        print(f"  (each entry is 4 rows: entries, encounters, entry_versions, audit_events; "
              f"% ceiling = entries/s over the ceiling's entries/s)")
    print()
    print("CPU seconds used during each phase (2 cores = 2 CPU-s per wall second; database = the "
          "PostgreSQL backends of the bench database):")
    for clients, phases in runs:
        for phase in phases:
            c = phase.cpu
            db_part = f"  database {c['database']:5.1f}" if databases.kind == "postgresql" else ""
            print(f"  {phase.name:<10} clients {clients}: wall {c['wall']:5.1f}  client {c['client']:5.1f}  "
                  f"server {c['server']:5.1f}{db_part}  other {c['other']:5.1f}  machine busy {c['machine_busy']:4.0%}"
                  f"  server CPU ms/batch {c['server'] * 1000 / len(phase.latencies):5.1f}")
    print("  ('other' is CPU used by anything else on the machine meanwhile: keep it near 0 for clean figures)")
    print(f"  CPU-bound upper bound on {os.cpu_count()} idle cores (= cores x entries / CPU-s of client, server and "
          "database; ignores waiting on locks and disk):")
    for clients, phases in runs:
        print("    " + "; ".join(
            f"{phase.name} clients {clients}: {projected(phase):,.0f} entries/s" for phase in phases))
    print()
    print(f"Targets (PostgreSQL, 4 clients): >= {TARGETS['new_per_s']:,} new entries/s, p95 < {TARGETS['p95_ms']} ms,"
          f" duplicates at least as fast as new, >= {TARGETS['ceiling_share']:.0%} of the ceiling")
    for clients, phases in runs:
        new, dup = phases
        checks = [
            (f"new {new.rate:,.0f}/s >= {TARGETS['new_per_s']:,}", new.rate >= TARGETS["new_per_s"]),
            (f"p95 new {new.percentile(95):.0f} ms, dup {dup.percentile(95):.0f} ms < {TARGETS['p95_ms']}",
             max(new.percentile(95), dup.percentile(95)) < TARGETS["p95_ms"]),
            (f"dup {dup.rate:,.0f}/s >= new", dup.rate >= new.rate),
        ]
        if ceiling:
            checks.append((f"{new.rate / ceiling['rate']:.0%} of ceiling >= {TARGETS['ceiling_share']:.0%}",
                           new.rate / ceiling["rate"] >= TARGETS["ceiling_share"]))
        if clients == 4:
            print(f"  {clients} client(s): " + "; ".join(f"{text} {'ok' if good else 'MISSED'}" for text, good in checks))
        else:  # the targets are set for 4 clients: other counts are shown against them for reference only
            print(f"  {clients} client(s), for reference: "
                  + "; ".join(f"{text} {'ok' if good else 'below'}" for text, good in checks))
    problems = [(clients, phase) for clients, phases in runs for phase in phases if phase.problems]
    print()
    if problems:
        for clients, phase in problems:
            for problem in phase.problems:
                print(f"PROBLEM ({phase.name}, {clients} clients): {problem}")
    else:
        print("Verified: every new entry 'created', every replay 'duplicate', each stored exactly once "
              "(entries, encounters, entry_versions and 'collect' audit events all match).")


def projected(phase: Phase) -> float:
    used = phase.cpu["client"] + phase.cpu["server"] + phase.cpu["database"]
    return (os.cpu_count() or 1) * phase.entries / used if used else 0.0


def write_json(path: str, args, databases: Databases, runs, ceiling) -> None:
    out = {"entries": args.entries, "batch": args.batch, "workers": args.workers, "database": databases.kind,
           "ceiling_entries_per_s": ceiling["rate"] if ceiling else None,
           "ceilings": [{k: v for k, v in c.items() if k != "all"} for c in ceiling["all"]] if ceiling else None,
           "runs": []}
    for clients, phases in runs:
        for phase in phases:
            out["runs"].append({"phase": phase.name, "clients": clients, "entries_per_s": phase.rate,
                                "p50_ms": phase.percentile(50), "p95_ms": phase.percentile(95),
                                "sent_bytes_per_entry": phase.bytes_sent / phase.entries,
                                "cpu": phase.cpu, "cpu_bound_entries_per_s": projected(phase),
                                "problems": phase.problems})
    Path(path).write_text(json.dumps(out, indent=2))


# --------------------------------------------------------------------------
# --profile: the server side of a push, in-process, under cProfile
# --------------------------------------------------------------------------

def profile(args, databases: Databases, workdir: Path) -> int:
    from fieldapp import create_app
    from fieldapp.accounts.operations import create_user
    from fieldapp.cli import upgrade_database
    from fieldapp.extensions import db

    database_url = databases.fresh("profile")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(workdir / "instance-profile")})
    with app.app_context():
        upgrade_database()
        create_user(USERNAME, PASSWORD, role="officer", team_name=TEAM)
        db.session.remove()
    client = app.test_client()
    answer = client.post("/api/auth/token", json={"username": USERNAME, "password": PASSWORD,
                                                  "device_name": "profile"})
    headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}
    rounds = args.profile_batches
    entries = build_entries(args.batch * (2 + 2 * rounds), seed=args.seed)
    bodies = [encode_body(entries[i:i + args.batch]) for i in range(0, len(entries), args.batch)]

    def push(body: bytes, expected: str) -> None:
        response = client.post(PUSH_PATH, data=body, headers=headers, content_type="application/json")
        statuses = {r["status"] for r in response.get_json()["results"]}
        if response.status_code != 200 or statuses != {expected}:
            raise RuntimeError(f"push answered {response.status_code} {statuses}")

    for body in bodies[:2]:  # warm up: compiled SQL, reference lists, connections
        push(body, "created")
    timed, profiled = bodies[2:2 + rounds], bodies[2 + rounds:]
    for label, expected in (("new", "created"), ("duplicate", "duplicate")):
        wait_quiet(args.quiet_wait)
        start = time.perf_counter()
        for body in timed:
            push(body, expected)
        plain = (time.perf_counter() - start) / len(timed)
        profiler = cProfile.Profile(time.process_time) if args.profile_clock == "cpu" else cProfile.Profile()
        profiler.enable()
        for body in profiled:
            push(body, expected)
        profiler.disable()
        print(f"\n=== {label}: {args.batch} entries per push, {databases.kind}; without profiler "
              f"{plain * 1000:.1f} ms per push ({args.batch / plain:,.0f} entries/s on one core); "
              f"profile of {len(profiled)} pushes, {args.profile_clock} clock ===")
        for order, restriction, title in (("tottime", (), "by own time, everything"),
                                          ("cumulative", (r"(fieldapp|sync)/",), "by cumulative time, project code")):
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats(order).print_stats(*restriction, args.profile_lines)
            lines = text.getvalue().splitlines()
            first = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
            print(f"--- {title} (seconds over {len(profiled)} pushes) ---")
            site = str(Path(os.__file__).parent)
            for line in lines[first:]:
                for prefix in (str(ROOT) + "/", site + "/site-packages/", site + "/"):
                    line = line.replace(prefix, "")
                if line.strip():
                    print(line)
        if args.profile_out:
            profiler.dump_stats(f"{args.profile_out}.{label}.prof")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return 0


# --------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Push N new encounters to a real `fieldapp serve` from C concurrent clients, replay them as "
                    "duplicates, and compare with the same rows inserted straight through SQLAlchemy Core.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--database-url", default=None,
                        help="which database server to use: e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test "
                             "(a throwaway database fieldapp_bench_<hex> is created there for each run and dropped "
                             "at the end). Default: fresh SQLite files in a temporary folder")
    parser.add_argument("-n", "--entries", type=int, default=20000, help="new encounters to push")
    parser.add_argument("--batch", type=int, default=100, help="entries per push (1..200)")
    parser.add_argument("--clients", default="1,4",
                        help="comma-separated client counts; each is a whole run on a fresh database")
    parser.add_argument("--workers", type=int, default=4, help="server worker processes (gunicorn)")
    parser.add_argument("--no-ceiling", action="store_true", help="skip the SQLAlchemy Core ceiling")
    parser.add_argument("--quiet-wait", type=float, default=120,
                        help="before each timed phase, wait up to this many seconds for other work on the machine "
                             "to stop (0: don't wait)")
    parser.add_argument("--seed", type=int, default=62, help="seed of the entry mix (ids are always fresh uuid4)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures to PATH as JSON")
    parser.add_argument("--profile", action="store_true",
                        help="instead: profile pushes in-process (Flask test client) under cProfile")
    parser.add_argument("--profile-batches", type=int, default=20, help="pushes profiled, new and duplicate")
    parser.add_argument("--profile-lines", type=int, default=15, help="lines of each profile listing")
    parser.add_argument("--profile-clock", choices=["wall", "cpu"], default="wall",
                        help="wall: time waiting on the database counts; cpu: only this process's CPU time")
    parser.add_argument("--profile-out", metavar="PREFIX", help="also dump PREFIX.new.prof and PREFIX.duplicate.prof")
    args = parser.parse_args(argv)
    try:
        args.client_counts = [int(c) for c in args.clients.split(",") if c.strip()]
    except ValueError:
        parser.error("--clients takes whole numbers separated by commas, e.g. 1,4")
    if not args.client_counts or min(args.client_counts) < 1:
        parser.error("--clients needs at least one count of 1 or more")
    if not 1 <= args.batch <= 200:
        parser.error("--batch must be 1 to 200 (the server's limit)")
    if args.entries < args.batch:
        parser.error("--entries must be at least --batch")
    return args


@contextmanager
def terminate_as_exit() -> Iterator[None]:
    """SIGTERM and SIGHUP unwind like Ctrl+C, so every finally block cleans up."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with ExitStack() as cleanup, terminate_as_exit():
        workdir = Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        try:
            databases = Databases(args.database_url, workdir, "fieldapp_bench")
        except ValueError as exc:
            raise SystemExit(f"--database-url {exc}") from None
        cleanup.callback(databases.close)
        if args.profile:
            return profile(args, databases, workdir)

        print(f"Building {args.entries:,} encounters and their request bodies (untimed)...", flush=True)
        entries = build_entries(args.entries, args.seed)
        runs = []
        for clients in args.client_counts:
            print(f"Run with {clients} client(s) on a fresh database: {databases.describe()}...", flush=True)
            phases, _ = bench_clients(args, databases, workdir, clients, entries)
            for phase in phases:
                print(f"  {phase.name:<10} {phase.rate:>8,.0f} entries/s  p95 {phase.percentile(95):6.1f} ms"
                      f"{'  PROBLEMS' if phase.problems else ''}", flush=True)
            runs.append((clients, phases))
        ceiling = None
        if not args.no_ceiling:
            ceilings = []
            for mode in CEILING_MODES:
                if CEILING_MODES[mode] == "json" and databases.kind != "postgresql":
                    continue
                print(f"Ceiling ({mode}): the same rows through SQLAlchemy Core on a fresh database...", flush=True)
                ceilings.append(bench_ceiling(args, databases, workdir, entries, mode))
            ceiling = max(ceilings, key=lambda c: c["rate"])
            ceiling["all"] = ceilings
        print_report(args, databases, runs, ceiling)
        if args.json:
            write_json(args.json, args, databases, runs, ceiling)
        return 1 if any(phase.problems for _, phases in runs for phase in phases) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
