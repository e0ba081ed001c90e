"""Exactly once under real concurrency: several app processes, many clients, one database.

- PostgreSQL: two ``fieldapp serve`` processes (2 workers each) and eight
  threads pushing overlapping batches, some sent to both servers at the same
  moment: every entry is stored once and reported ``created`` once.
- PostgreSQL: reviews committed concurrently from several connections, some
  holding their transaction open while others try to commit, while a phone
  pulls the change feed: its cursor never skips a review nor repeats one.
- SQLite: two server processes on one file, four threads pushing the same
  batches: every entry stored once, never a 5xx.
- Both: ordinary use (sign-ins, entry reads, photo uploads, review pages and
  decisions) while a phone pushes batches back to back: never a 5xx.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from fieldapp import create_app
from fieldapp.accounts.operations import create_user
from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import Entry, User
from fieldapp.review.operations import add_review
from tests.factories import encounter
from tests.fixtures.app import TEST_PASSWORD
from tests.servers import ServerProcess
from tests.images import jpeg

pytestmark = pytest.mark.slow

NEEDS_POSTGRES = "needs PostgreSQL: set FIELDAPP_TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
JOIN_TIMEOUT = 120  # seconds: a thread still running after this is a hang, reported as a failure
HTTP_TIMEOUT = 60


# --- helpers ------------------------------------------------------------------

@contextmanager
def two_servers(database_url: str, instance: Path, workers: int = 2) -> Iterator[list[ServerProcess]]:
    """Two app processes on one database, sharing the instance folder (and so the signing key).

    They start one after the other: the first migrates the empty database, the second finds it current.
    """
    with ExitStack() as stack:
        yield [stack.enter_context(ServerProcess(database_url, instance, workers=workers)) for _ in range(2)]


def add_officer(database_url: str, instance: Path, username: str = "pc1", role: str = "officer",
                *more: str) -> None:
    """Create an officer (or another role: all the usernames given get it) straight in the database the servers use."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(instance), "TESTING": True})
    with app.app_context():
        for name in (username, *more):
            create_user(name, TEST_PASSWORD, role=role, team_name="Rose Hill")
        db.session.remove()
        db.engine.dispose()


def sign_in(server: ServerProcess, device_name: str, username: str = "pc1") -> str:
    response = requests.post(f"{server.url}/api/auth/token", timeout=HTTP_TIMEOUT,
                             json={"username": username, "password": TEST_PASSWORD, "device_name": device_name})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def audit_chain(database_url: str, instance: Path):
    """Walk the audit log's hash chain (fieldapp audit verify's walk)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(instance), "TESTING": True})
    with app.app_context():
        try:
            return audit.verify()
        finally:
            db.session.remove()
            db.engine.dispose()


def stored_counts(database_url: str) -> dict[str, Any]:
    """Rows of the entry tables, and how many ids appear more than once (none can, but count anyway)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            def one(sql: str) -> Any:
                return conn.execute(text(sql)).scalar_one()
            return {
                "entries": one("SELECT count(*) FROM entries"),
                "distinct_entries": one("SELECT count(DISTINCT id) FROM entries"),
                "entry_versions": one("SELECT count(*) FROM entry_versions"),
                "encounters": one("SELECT count(*) FROM encounters"),
                "conflict_copies": one("SELECT count(*) FROM conflict_copies"),
                "collect_events": one("SELECT count(*) FROM audit_events "
                                      "WHERE action = 'collect' AND record_type = 'entry'"),
                "ids": {str(uuid.UUID(str(i))) for i in conn.execute(text("SELECT id FROM entries")).scalars()},
            }
    finally:
        engine.dispose()


class Pushes:
    """Every push sent by every thread, and every failure of a thread; thread-safe."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.responses: list[tuple[str, list[str], int, Any]] = []  # (label, ids sent, status, body)
        self.failures: list[str] = []
        self.barriers: list[threading.Barrier] = []

    def push(self, session: requests.Session, server: ServerProcess, token: str, batch: list[dict],
             label: str) -> None:
        response = session.post(f"{server.url}/api/sync/push", json={"entries": batch}, timeout=HTTP_TIMEOUT,
                                headers={"Authorization": f"Bearer {token}"})
        try:
            body = response.json()
        except ValueError:
            body = response.text
        with self.lock:
            self.responses.append((label, [e["id"] for e in batch], response.status_code, body))

    def run(self, targets: list[Callable[[], None]]) -> None:
        """Run each target in its own thread; a failure breaks every barrier so no one waits for ever."""
        def guarded(target: Callable[[], None]) -> None:
            try:
                target()
            except BaseException as exc:  # noqa: BLE001 - reported by the test, never lost in a thread
                with self.lock:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                for barrier in self.barriers:
                    barrier.abort()

        threads = [threading.Thread(target=guarded, args=(t,), daemon=True) for t in targets]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + JOIN_TIMEOUT
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        assert not any(t.is_alive() for t in threads), f"threads still running after {JOIN_TIMEOUT}s"
        assert not self.failures, self.failures

    def problems(self, all_ids: set[str]) -> list[str]:
        """No 5xx (503 'busy' included), every receipt whole and created/duplicate, each id created once."""
        found = []
        for label, _, status, body in self.responses:
            if status != 200:
                found.append(f"{label}: HTTP {status} {body}")
        created: Counter[str] = Counter()
        for label, ids, status, body in self.responses:
            if status != 200:
                continue
            results = body["results"]
            if [r["id"] for r in results] != ids:
                found.append(f"{label}: the receipt's ids are not the batch's")
            odd = [r for r in results if r["status"] not in {"created", "duplicate"} or r["version"] != 1]
            if odd:
                found.append(f"{label}: {len(odd)} results neither created nor duplicate, e.g. {odd[0]}")
            created.update(r["id"] for r in results if r["status"] == "created")
        never = all_ids - set(created)
        if never:
            found.append(f"{len(never)} ids never reported created")
        twice = {i: n for i, n in created.items() if n != 1}
        if twice:
            found.append(f"{len(twice)} ids reported created more than once, e.g. {list(twice.items())[:3]}")
        return found


def stored_once_problems(database_url: str, all_ids: set[str]) -> list[str]:
    counts = stored_counts(database_url)
    n = len(all_ids)
    found = [] if counts.pop("ids") == all_ids else ["the stored ids are not the ids sent"]
    expected = {"entries": n, "distinct_entries": n, "entry_versions": n, "encounters": n, "conflict_copies": 0,
                "collect_events": n}
    if counts != expected:
        found.append(f"stored rows {counts}, expected {expected}")
    return found


def assert_exactly_once(pushes: Pushes, database_url: str, all_ids: set[str], servers: list[ServerProcess]) -> None:
    found = pushes.problems(all_ids) + stored_once_problems(database_url, all_ids)
    found += [f"server {n} logged a traceback:\n{s.output}" for n, s in enumerate(servers) if "Traceback" in s.output]
    assert not found, "\n".join(found)


# --- PostgreSQL: two app processes, eight threads, overlapping batches --------

def test_two_processes_eight_threads_store_each_entry_once(postgres_url, empty_database_url, tmp_path):
    if postgres_url is None:
        pytest.skip(NEEDS_POSTGRES)
    entries = [encounter("stop_account", notes=f"entry {n}") for n in range(400)]
    all_ids = {e["id"] for e in entries}
    threads, rounds, size = 8, 6, 50
    rng = random.Random(20260403)
    instance = tmp_path / "instance"
    with two_servers(empty_database_url, instance) as servers:
        add_officer(empty_database_url, instance)
        tokens = [sign_in(servers[t % 2], f"phone {t}") for t in range(threads)]
        pushes = Pushes()
        start = threading.Barrier(threads, timeout=JOIN_TIMEOUT)
        # Threads 2k and 2k+1 are a pair: in even rounds both send the same batch at the same moment,
        # one to each server. In round 1 each thread sends its own slice (so every entry is sent);
        # in the other odd rounds a random overlapping sample to a random server.
        pairs = [threading.Barrier(2, timeout=JOIN_TIMEOUT) for _ in range(threads // 2)]
        pushes.barriers = [start, *pairs]
        pair_batches = {(p, r): rng.sample(entries, size) for p in range(threads // 2) for r in range(0, rounds, 2)}
        solo = {(t, r): (entries[t * size:(t + 1) * size] if r == 1 else rng.sample(entries, size),
                         rng.randrange(2)) for t in range(threads) for r in range(1, rounds, 2)}

        def client(t: int) -> Callable[[], None]:
            def run() -> None:
                with requests.Session() as session:
                    start.wait()
                    for r in range(rounds):
                        if r % 2 == 0:
                            pairs[t // 2].wait()
                            pushes.push(session, servers[t % 2], tokens[t], pair_batches[(t // 2, r)],
                                        f"pair {t // 2} round {r} thread {t}")
                        else:
                            batch, server = solo[(t, r)]
                            pushes.push(session, servers[server], tokens[t], batch, f"thread {t} round {r}")
            return run

        pushes.run([client(t) for t in range(threads)])
        assert len(pushes.responses) == threads * rounds
        assert_exactly_once(pushes, empty_database_url, all_ids, servers)


# --- SQLite: two app processes on one file ------------------------------------

def test_two_processes_on_one_sqlite_file_store_each_entry_once(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    entries = [encounter("asb", notes=f"entry {n}") for n in range(200)]
    batches = [entries[n:n + 50] for n in range(0, 200, 50)]
    all_ids = {e["id"] for e in entries}
    threads, rounds = 4, 8
    instance = tmp_path / "instance"
    with two_servers(database_url, instance) as servers:
        add_officer(database_url, instance)
        tokens = [sign_in(servers[t % 2], f"phone {t}") for t in range(threads)]
        pushes = Pushes()
        together = threading.Barrier(threads, timeout=JOIN_TIMEOUT)
        pushes.barriers = [together]

        def client(t: int) -> Callable[[], None]:
            def run() -> None:
                with requests.Session() as session:
                    for r in range(rounds):
                        # Even rounds: all four send the same batch at once; odd rounds: each its own.
                        batch = batches[(r // 2) % len(batches)] if r % 2 == 0 else batches[(r + t) % len(batches)]
                        together.wait()
                        pushes.push(session, servers[(t + r) % 2], tokens[t], batch, f"thread {t} round {r}")
            return run

        pushes.run([client(t) for t in range(threads)])
        assert len(pushes.responses) == threads * rounds
        assert_exactly_once(pushes, database_url, all_ids, servers)


# --- Both databases: ordinary use while a phone syncs -------------------------

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
PHOTO_PADDING = bytes(range(256)) * 40  # a real JPEG of about 10 kB: the server checks its structure


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def web_sign_in(session: requests.Session, server: ServerProcess, username: str) -> int:
    page = session.get(f"{server.url}/login", timeout=HTTP_TIMEOUT)
    if page.status_code != 200:
        return page.status_code
    return session.post(f"{server.url}/login", timeout=HTTP_TIMEOUT, allow_redirects=False, data={
        "username": username, "password": TEST_PASSWORD, "csrf_token": csrf_of(page.text)}).status_code


def test_ordinary_use_while_a_phone_syncs_never_answers_5xx(empty_database_url, tmp_path):
    # One phone pushes 20-entry batches back to back while, from eight threads at once:
    # 100 sign-ins (phones and web), 100 entry reads, 50 photo uploads, 20 review pages and
    # 20 decisions. On SQLite each of these once failed at once with 'database is locked'.
    instance = tmp_path / "instance"
    with ServerProcess(empty_database_url, instance, workers=2) as server:
        # Each account signs in at most five times (LOGIN_THROTTLE_LIMIT) from this one address: the
        # limit per account and address counts sign-ins still in flight, by design, so that guesses
        # sent all at once cannot all reach the password check. One officer signing in six times at
        # once would see a 429, which is the throttle working, not what this test is about.
        add_officer(empty_database_url, instance, "pc1", "officer", *(f"pc{k}" for k in range(2, 16)))
        add_officer(empty_database_url, instance, "sgt1", "supervisor", *(f"sgt{k}" for k in range(2, 6)))
        token = sign_in(server, "the syncing phone")
        auth = {"Authorization": f"Bearer {token}"}
        seeds = [encounter(notes=f"seed {n}") for n in range(50)]
        seeded = requests.post(f"{server.url}/api/sync/push", json={"entries": seeds}, headers=auth,
                               timeout=HTTP_TIMEOUT)
        assert seeded.status_code == 200, seeded.text
        lock = threading.Lock()
        answers: list[tuple[str, int]] = []

        def record(label: str, status: int) -> None:
            with lock:
                answers.append((label, status))

        done = threading.Event()
        pushed = [0]

        def phone() -> None:
            with requests.Session() as session:
                while not done.is_set():
                    batch = [encounter() for _ in range(20)]
                    response = session.post(f"{server.url}/api/sync/push", json={"entries": batch},
                                            headers=auth, timeout=HTTP_TIMEOUT)
                    record("push", response.status_code)
                    pushed[0] += response.status_code == 200

        def sign_in_once(n: int) -> None:
            # n odd: 50 phones, pc1-pc10 five each; n even: 50 web sign-ins, pc11-pc15 and sgt1-sgt5.
            if n % 2:
                response = requests.post(f"{server.url}/api/auth/token", timeout=HTTP_TIMEOUT, json={
                    "username": f"pc{1 + n // 2 % 10}", "password": TEST_PASSWORD, "device_name": f"phone {n}"})
                record("token", response.status_code)
            else:
                username = f"sgt{1 + n // 4 % 5}" if n % 4 else f"pc{11 + n // 4 % 5}"
                with requests.Session() as session:
                    record("login", web_sign_in(session, server, username))

        def read_entry(n: int) -> None:
            response = requests.get(f"{server.url}/api/entries/{seeds[n % len(seeds)]['id']}", headers=auth,
                                    timeout=HTTP_TIMEOUT)
            record("read", response.status_code)

        def put_photo(n: int) -> None:
            entry_id = seeds[n % len(seeds)]["id"]
            photo = jpeg(extra=PHOTO_PADDING + n.to_bytes(4, "big"))
            response = requests.put(f"{server.url}/api/entries/{entry_id}/photos/{uuid.uuid4()}",
                                    data=photo, timeout=HTTP_TIMEOUT, headers={
                                        **auth, "Content-Type": "image/jpeg",
                                        "X-Content-SHA256": hashlib.sha256(photo).hexdigest()})
            record("photo", response.status_code)

        supervisor = requests.Session()
        assert web_sign_in(supervisor, server, "sgt1") == 302
        # One page first, so the session holds its CSRF token before pages load in parallel
        # (parallel first pages would each make one, and the cookie keeps only the last).
        assert supervisor.get(f"{server.url}/review", timeout=HTTP_TIMEOUT).status_code == 200

        def review_page(n: int) -> None:
            path = "/review" if n % 2 else f"/review/{seeds[n]['id']}"
            record("review page", supervisor.get(f"{server.url}{path}", timeout=HTTP_TIMEOUT).status_code)

        def decide(n: int) -> None:
            path = f"{server.url}/review/{seeds[20 + n]['id']}"
            page = supervisor.get(path, timeout=HTTP_TIMEOUT)
            record("decision page", page.status_code)
            if page.status_code == 200:
                response = supervisor.post(path, timeout=HTTP_TIMEOUT, allow_redirects=False, data={
                    "csrf_token": csrf_of(page.text), "decision": "approved", "comment": "Fine.",
                    "entry_version": "1"})
                record("decision", response.status_code)

        work = ([(sign_in_once, n) for n in range(100)] + [(read_entry, n) for n in range(100)]
                + [(put_photo, n) for n in range(50)] + [(review_page, n) for n in range(20)]
                + [(decide, n) for n in range(20)])
        random.Random(9).shuffle(work)
        syncing = threading.Thread(target=phone, daemon=True)
        syncing.start()
        try:
            with ThreadPoolExecutor(8) as pool:
                for future in [pool.submit(task, n) for task, n in work]:
                    future.result(timeout=JOIN_TIMEOUT)
        finally:
            done.set()
            syncing.join(JOIN_TIMEOUT)
            supervisor.close()
        failed = [(label, status) for label, status in answers if status >= 500]
        assert not failed, f"{len(failed)} answers 5xx: {Counter(failed)}\n{server.output[-3000:]}"
        assert Counter(label for label, status in answers if status in {200, 201, 302}) == {
            "push": pushed[0], "token": 50, "login": 50, "read": 100, "photo": 50, "review page": 20,
            "decision page": 20, "decision": 20}, Counter(answers)
        assert pushed[0] >= 2, "the phone was not syncing while the rest ran"
        assert "Traceback" not in server.output, server.output
    # Every event of all that (two processes, eight threads and the phone) took its own place in the chain.
    verified = audit_chain(empty_database_url, instance)
    assert verified.intact and verified.events > 1000, verified.problems


# --- PostgreSQL: the pull cursor never skips ----------------------------------

@pytest.fixture
def _postgres_only(postgres_url):
    if postgres_url is None:
        pytest.skip(NEEDS_POSTGRES)


BLOCKED_BY_ME = text("SELECT count(*) FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))")


def test_the_pull_cursor_never_skips_reviews_committed_out_of_order(_postgres_only, app, sign_in_device,
                                                                     create_user):
    phone = sign_in_device("pc1")
    supervisor_id = create_user("sgt1", role="supervisor", team="Rose Hill").id
    officer_entries = [encounter("stop_account", notes=f"entry {n}") for n in range(12)]
    assert {r["status"] for r in phone.push(*officer_entries)} == {"created"}
    entry_ids = [uuid.UUID(e["id"]) for e in officer_entries]
    db.session.rollback()

    writers, rounds = 6, 8
    decisions = ("approved", "returned", "flagged")
    lock = threading.Lock()
    committed: list[tuple[str, int, str, str]] = []
    failures: list[str] = []
    finished, holding = [0], [0]
    held_while_others_waited = [0]

    def nobody_else_can_move() -> bool:
        """Every other writer is done, or holding its own transaction open too."""
        with lock:
            return finished[0] + holding[0] >= writers

    def writer(w: int) -> None:
        # Even writers hold their transaction open after taking their sequence number, until
        # another transaction waits on them (or no other writer could still commit): with a
        # plain sequence the others would commit higher numbers meanwhile, and the reader's
        # cursor would pass the held one.
        slow, held = w % 2 == 0, False
        try:
            with app.app_context():
                reviewer = db.session.get(User, supervisor_id)
                for r in range(rounds):
                    entry = db.session.get(Entry, entry_ids[(w * rounds + r) % len(entry_ids)])
                    decision, comment = decisions[(w + r) % 3], f"writer {w} round {r}"
                    reviewed = (str(entry.id), entry.version, decision, comment)
                    add_review(entry, reviewer, decision, comment, commit=not slow)
                    if slow:
                        with lock:
                            holding[0] += 1
                        held = True
                        deadline = time.monotonic() + JOIN_TIMEOUT / 2
                        while time.monotonic() < deadline:
                            if db.session.execute(BLOCKED_BY_ME).scalar_one():
                                with lock:
                                    held_while_others_waited[0] += 1
                                break
                            if nobody_else_can_move():
                                break
                            threading.Event().wait(0.002)  # polling interval, not synchronisation
                        else:
                            raise AssertionError("held a transaction open for a minute: a hang")
                        db.session.commit()
                        with lock:
                            holding[0] -= 1
                        held = False
                    with lock:
                        committed.append(reviewed)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                failures.append(f"writer {w}: {type(exc).__name__}: {exc}")
        finally:
            with lock:
                finished[0] += 1
                holding[0] -= held

    seen: list[tuple[str, int, str, str]] = []
    pulls_with_changes = [0]

    def pull(cursor: str | None) -> tuple[str, bool]:
        body = phone.pull(cursor, limit=4)
        for change in body["changes"]:
            review = change["review"]
            assert review is not None, change  # only reviews happen in this test
            seen.append((change["id"], change["version"], review["decision"], review["comment"]))
        pulls_with_changes[0] += bool(body["changes"])
        return body["cursor"], body["more"]

    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(writers)]
    for thread in threads:
        thread.start()
    cursor: str | None = None
    deadline = time.monotonic() + JOIN_TIMEOUT
    while any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        cursor, _ = pull(cursor)
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "writers still running"
    assert not failures, failures
    for _ in range(writers * rounds + 2):  # drain: bounded, since at most that many changes exist
        cursor, more = pull(cursor)
        if not more:
            break
    assert pull(cursor)[0] == cursor  # nothing left

    assert len(committed) == writers * rounds
    duplicates = [item for item, n in Counter(seen).items() if n > 1]
    assert not duplicates, f"pulled twice: {duplicates[:3]}"
    missing = set(committed) - set(seen)
    assert not missing, f"{len(missing)} committed reviews never pulled (the cursor skipped them): {sorted(missing)[:3]}"
    assert set(seen) == set(committed)
    # The test did what it claims: transactions were held open while others waited to commit,
    # and the phone pulled while the writers were still at work.
    assert held_while_others_waited[0] > 0
    assert pulls_with_changes[0] > 1
