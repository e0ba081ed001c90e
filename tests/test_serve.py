"""``fieldapp serve`` as a process: slow clients hold no worker, workers die with their master.

Both start the real server (gunicorn processes serving with waitress) and talk
to it over sockets. ``bench/slow_clients.py`` runs the same load as the
first test for a full minute and prints the figures.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest
import requests

from tests.factories import encounter
from tests.servers import ServerProcess, SlowClients

pytestmark = pytest.mark.slow


def sign_in_demo_officer(server: ServerProcess) -> str:
    response = requests.post(f"{server.url}/api/auth/token", timeout=30, json={
        "username": "officer1", "password": server.demo_password(), "device_name": "test phone"})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def test_slow_clients_do_not_stop_the_phones(empty_database_url, tmp_path):
    # 40 clients dribbling a byte every half second: with gunicorn's threaded worker (16 threads
    # here) every new request waited behind them. Each phone push must still be answered quickly.
    with ServerProcess(empty_database_url, tmp_path / "instance", "--demo", workers=2) as server:
        token = sign_in_demo_officer(server)
        with SlowClients(server.port, headers=20, bodies=20, interval=0.5) as slow:
            # Every slow connection has sent part of its request before the phone starts.
            assert _wait(lambda: slow.sent >= 2 * len(slow.sockets), 10)
            answered = []
            for _ in range(15):  # a new connection each time, as a phone that was out of signal
                started = time.monotonic()
                try:
                    status = requests.post(f"{server.url}/api/sync/push", timeout=10,
                                           json={"entries": [encounter() for _ in range(5)]},
                                           headers={"Authorization": f"Bearer {token}"}).status_code
                except requests.Timeout:
                    status = "timed out"
                answered.append((status, round(time.monotonic() - started, 2)))
            # The slow connections are still open (waitress holds them, untouched): nothing gave way.
            assert all(sock.fileno() != -1 for sock, _ in slow.sockets)
        assert [status for status, _ in answered] == [200] * 15
        assert max(seconds for _, seconds in answered) < 5, answered


def _children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _can_listen(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
    return True


def _wait(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")
def test_workers_die_with_their_master_and_the_port_is_free_at_once(empty_database_url, tmp_path):
    server = ServerProcess(empty_database_url, tmp_path / "instance", workers=2)
    server.start()
    try:
        master = server.process.pid
        assert _wait(lambda: len(_children(master)) == 2, 30), "two workers expected"
        workers = _children(master)
        # Requests in flight when the master dies (a worker finishing them gracefully kept the port ~20 s).
        with SlowClients(server.port, headers=4, bodies=4, interval=0.2) as slow:
            assert _wait(lambda: slow.sent >= 2 * len(slow.sockets), 10)
            os.kill(master, signal.SIGKILL)
            server.process.wait(10)
            assert _wait(lambda: not any(_alive(pid) for pid in workers), 2), "workers outlived their master"
            # The port is free at once (within the 2 s the workers had, not the ~20 s a graceful worker
            # kept it): nothing listens on it any more, as a bind like gunicorn's shows.
            assert _wait(lambda: _can_listen(server.port), 2), "the port is still held"
    finally:
        server.stop()
    again = ServerProcess(empty_database_url, tmp_path / "instance", port=server.port, workers=2)
    with again:
        assert requests.get(f"{again.url}/healthz", timeout=5).status_code == 200


def _readable_by_others(folder: Path) -> list[str]:
    """Everything in ``folder`` (itself included) that group or other may read, write or enter."""
    return [f"{oct(path.lstat().st_mode & 0o777)} {path}" for path in [folder, *folder.rglob("*")]
            if path.lstat().st_mode & 0o077]


def test_the_instance_folder_is_private_and_the_access_log_carries_no_query_values(tmp_path):
    # An instance folder an older version left readable by all: made private at start, saying so.
    instance = tmp_path / "instance"
    (instance / "old").mkdir(parents=True, mode=0o755)
    (instance / "old" / "notes.txt").write_text("left by an older version")
    os.chmod(instance, 0o755)
    os.chmod(instance / "old" / "notes.txt", 0o644)
    database = f"sqlite:///{instance / 'fieldapp.sqlite3'}"
    with ServerProcess(database, instance, "--demo", "--access-log", workers=1) as server:
        sign_in_demo_officer(server)  # a write: the -wal and -shm files exist now
        assert {"fieldapp.sqlite3-wal", "fieldapp.sqlite3-shm"} <= {path.name for path in instance.iterdir()}
        assert _readable_by_others(instance) == []
        assert "readable by this user only" in server.output

        assert requests.get(f"{server.url}/login?q=Smith&username=jsmith", timeout=10).status_code == 200
        assert server.wait_for_output('"GET /login?q=[redacted]&username=[redacted] HTTP/1.1" 200')
        assert "Smith" not in server.output and "jsmith" not in server.output
    assert _readable_by_others(instance) == []


@pytest.mark.parametrize("trusted", [False, True])
def test_forwarded_proto_is_trusted_only_as_configured(empty_database_url, tmp_path, trusted):
    # The session cookie is marked Secure when the request came over HTTPS (request.is_secure):
    # a client on 127.0.0.1 claiming X-Forwarded-Proto: https must not make it so unless the
    # proxy is trusted.
    env = {"FIELDAPP_TRUST_PROXY": "true" if trusted else "false", "FIELDAPP_SECURE_COOKIES": "false"}
    with ServerProcess(empty_database_url, tmp_path / "instance", workers=1, env=env) as server:
        response = requests.get(f"{server.url}/login", headers={"X-Forwarded-Proto": "https"}, timeout=10)
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith("fieldapp_session=")
        assert ("; Secure" in cookie) is trusted, cookie
