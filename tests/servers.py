"""Running the real server (``fieldapp serve``) in a child process, and throwaway PostgreSQL databases,
for tests and benchmarks (no pytest here: the benchmarks import it too)."""

from __future__ import annotations

import codecs
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path


def create_database(server_url: str, prefix: str) -> str:
    """Make an empty PostgreSQL database named ``<prefix>_<random hex>`` on the server ``server_url``
    points at (any database of it); return the new database's URL (driver psycopg 3)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server = make_url(server_url)
    if server.drivername in {"postgresql", "postgres"}:
        server = server.set(drivername="postgresql+psycopg")
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def drop_database(database_url: str) -> None:
    """Drop the PostgreSQL database ``database_url`` names, connections to it and all."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """``fieldapp serve`` in a child process; a context manager that waits until it answers.

    ``output`` is what the server printed, read all the while. Readiness is polled on
    /healthz against a deadline, never guessed with a sleep.
    """

    def __init__(self, database_url: str, instance_path: Path, *args: str, port: int | None = None,
                 workers: int = 2, env: dict[str, str] | None = None, timeout: float = 60) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "fieldapp.cli", "serve", "--port", str(self.port),
                        "--workers", str(workers), *args]
        self.env = {**os.environ, "FIELDAPP_DATABASE_URL": database_url,
                    "FIELDAPP_INSTANCE_PATH": str(instance_path), "PYTHONUNBUFFERED": "1", **(env or {})}
        self.timeout = timeout
        self._chunks: list[str] = []
        self._changed = threading.Condition()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, env=self.env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT)
        # Read the server's output all the time, not only while waiting for it to start: a pipe
        # nobody reads fills up (64 KiB), and then every server thread that logs (with
        # --access-log, every request) blocks on the write while /healthz still answers.
        self._pump = threading.Thread(target=self._collect, name=f"server-{self.port}-output", daemon=True)
        self._pump.start()
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._pump.join(5)
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.output}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                self._read(0.1)
                continue
        self.stop()
        raise RuntimeError(f"server did not answer within {self.timeout}s:\n{self.output}")

    def _collect(self) -> None:
        """Append everything the server prints to ``output`` until it closes its end (thread body)."""
        assert self.process and self.process.stdout
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        fd = self.process.stdout.fileno()
        while chunk := os.read(fd, 65536):
            with self._changed:
                self._chunks.append(decoder.decode(chunk))
                self._changed.notify_all()

    @property
    def output(self) -> str:
        """What the server has printed so far."""
        with self._changed:
            return "".join(self._chunks)

    def wait_for_output(self, text: str, timeout: float = 10) -> bool:
        """Whether ``text`` appears in ``output`` within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            return self._changed.wait_for(lambda: text in "".join(self._chunks),
                                          timeout=max(0.0, deadline - time.monotonic()))

    def _read(self, wait: float) -> None:
        """Give the server up to ``wait`` seconds to print something more."""
        with self._changed:
            self._changed.wait(timeout=wait)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 20 s)."""
        if self.process is None or self.process.stdout.closed:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._pump.join(10)
        self.process.stdout.close()

    def demo_password(self) -> str:
        match = re.search(r"password for all: (\S+)\)", self.output)
        assert match, self.output
        return match.group(1)


class SlowClients:
    """Connections that send a request a byte at a time: half dribble the headers, half the body."""

    def __init__(self, port: int, headers: int, bodies: int, interval: float) -> None:
        self.port, self.interval = port, interval
        self.sockets: list[tuple[socket.socket, bytes]] = []
        for number in range(headers):
            self.sockets.append((self._open(), f"GET /healthz?slow={number} HTTP/1.1\r\nHost: x\r\nX-Pad: ".encode()))
        body = b'{"entries": [' + b" " * 100_000 + b"]}"
        for _ in range(bodies):
            sock = self._open()
            sock.sendall(b"POST /api/sync/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Authorization: Bearer nothing\r\nContent-Length: %d\r\n\r\n" % len(body))
            self.sockets.append((sock, body))
        self.stop = threading.Event()
        self.sent = 0
        self.thread = threading.Thread(target=self._dribble, daemon=True)

    def _open(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)

    def _dribble(self) -> None:
        position = 0
        while not self.stop.wait(self.interval):
            for sock, payload in self.sockets:
                try:
                    sock.sendall(payload[position % len(payload):][:1] or b"x")
                    self.sent += 1
                except OSError:
                    pass
            position += 1

    def __enter__(self) -> SlowClients:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(10)
        for sock, _ in self.sockets:
            sock.close()
