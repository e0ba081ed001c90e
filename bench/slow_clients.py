#!/usr/bin/env python
"""Slow and hostile clients: do phones' pushes still get through?

Run from the repository root::

    python bench/slow_clients.py                     # SQLite, 50 + 50 slow connections for 60 s
    python bench/slow_clients.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/slow_clients.py --seconds 20        # quicker

It starts ``fieldapp serve --demo --workers W`` (default 4) on a fresh
database, opens ``--slow-headers`` connections that send a request's headers
one byte every ``--interval`` seconds (default 5) and ``--slow-bodies`` that
send a push's body the same way, and keeps them dribbling for ``--seconds``.
Meanwhile ``--phones`` threads push 20-entry batches back to back, each on a
new connection (as a phone coming back into signal). It prints how many
pushes were answered 200 within 10 s (the target: at least 99%), their
latency (p50, p95, max) and the other answers. The server and its temporary
folder are removed at the end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.factories import encounter  # noqa: E402  (after the path is set)
from tests.servers import ServerProcess, SlowClients, create_database, drop_database  # noqa: E402

TARGET_SECONDS = 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL server to make a throwaway database on (default: SQLite)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--slow-headers", type=int, default=50)
    parser.add_argument("--slow-bodies", type=int, default=50)
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between a slow client's bytes")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the slow clients stay")
    parser.add_argument("--phones", type=int, default=4)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="fieldapp-slow-") as folder:
        database = (create_database(args.database_url, "fieldapp_bench") if args.database_url
                    else f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        try:
            with ServerProcess(database, Path(folder) / "instance", "--demo", workers=args.workers) as server:
                token = requests.post(f"{server.url}/api/auth/token", timeout=30, json={
                    "username": "officer1", "password": server.demo_password(),
                    "device_name": "bench"}).json()["token"]
                answers = run(server, token, args)
        finally:
            if args.database_url:
                drop_database(database)
    report(answers, args)
    return 0


def run(server: ServerProcess, token: str, args) -> list[tuple[int | str, float]]:
    answers: list[tuple[int | str, float]] = []
    lock = threading.Lock()
    with SlowClients(server.port, args.slow_headers, args.slow_bodies, args.interval) as slow:
        stop_at = time.monotonic() + args.seconds

        def phone() -> None:
            while time.monotonic() < stop_at:
                started = time.monotonic()
                try:
                    status: int | str = requests.post(
                        f"{server.url}/api/sync/push", json={"entries": [encounter() for _ in range(20)]},
                        headers={"Authorization": f"Bearer {token}"}, timeout=TARGET_SECONDS * 3).status_code
                except requests.RequestException as exc:
                    status = type(exc).__name__
                with lock:
                    answers.append((status, time.monotonic() - started))

        phones = [threading.Thread(target=phone) for _ in range(args.phones)]
        for thread in phones:
            thread.start()
        for thread in phones:
            thread.join()
        open_at_end = sum(sock.fileno() != -1 for sock, _ in slow.sockets)
    print(f"slow connections: {args.slow_headers} sending headers and {args.slow_bodies} sending bodies, "
          f"a byte every {args.interval:g} s for {args.seconds:g} s ({slow.sent} bytes sent; "
          f"{open_at_end} still open at the end)")
    return answers


def report(answers: list[tuple[int | str, float]], args) -> None:
    seconds = sorted(s for _, s in answers)
    good = sum(1 for status, s in answers if status == 200 and s <= TARGET_SECONDS)
    share = 100 * good / len(answers) if answers else 0.0
    p95 = seconds[max(0, round(0.95 * len(seconds)) - 1)] if seconds else 0.0
    print(f"phones: {args.phones} pushing 20-entry batches, each on a new connection")
    print(f"pushes: {len(answers)}; answered 200 within {TARGET_SECONDS} s: {good} ({share:.1f}%; target >= 99%)")
    if seconds:
        print(f"latency: p50 {1000 * statistics.median(seconds):.0f} ms, p95 {1000 * p95:.0f} ms, "
              f"max {1000 * seconds[-1]:.0f} ms")
    print(f"answers: {dict(Counter(status for status, _ in answers))}")


if __name__ == "__main__":
    raise SystemExit(main())
