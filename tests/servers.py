"""Running the real server (``fieldapp serve``) and CLI in child processes, and throwaway databases,
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

#: The checkout this file belongs to: child processes run its code, whatever the current folder.
ROOT = Path(__file__).resolve().parent.parent


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


class Databases:
    """Fresh databases of one kind, each named ``<prefix>_<random hex>``; close() removes every one made.

    ``url`` names a PostgreSQL server (any database of it) or, for SQLite, a file beside which the
    files are made; None means SQLite files in ``directory``.
    """

    def __init__(self, url: str | None, directory: Path, prefix: str) -> None:
        from sqlalchemy.engine import make_url

        self.prefix = prefix
        self.server_url = make_url(url) if url else None
        self.kind = self.server_url.get_backend_name() if self.server_url else "sqlite"
        if self.kind not in {"sqlite", "postgresql"}:
            raise ValueError(f"must be sqlite or postgresql, not {self.kind!r}")
        if self.kind == "postgresql" and self.server_url.drivername in {"postgresql", "postgres"}:
            self.server_url = self.server_url.set(drivername="postgresql+psycopg")
        self.sqlite_dir = directory
        if self.kind == "sqlite" and self.server_url is not None and self.server_url.database:
            # A file path was given: make the throwaway files beside it (same disk).
            self.sqlite_dir = Path(self.server_url.database).resolve().parent
        self.made: list[str] = []

    def describe(self) -> str:
        if self.kind == "sqlite":
            return f"SQLite (fresh files in {self.sqlite_dir})"
        return f"PostgreSQL at {self.server_url.render_as_string(hide_password=True)} (fresh databases)"

    def fresh(self, label: str) -> str:
        """The URL of a new empty database; ``label`` ends a SQLite file's name."""
        if self.kind == "sqlite":
            path = self.sqlite_dir / f"{self.prefix}_{secrets.token_hex(4)}_{label}.sqlite3"
            self.made.append(str(path))
            return f"sqlite:///{path}"
        url = create_database(self.server_url.render_as_string(hide_password=False), self.prefix)
        self.made.append(url)
        return url

    def close(self) -> None:
        """Remove every database made (a failure is printed and the rest still removed)."""
        for made in reversed(self.made):
            try:
                if self.kind == "sqlite":
                    for suffix in ("", "-wal", "-shm", "-journal"):
                        Path(made + suffix).unlink(missing_ok=True)
                else:
                    drop_database(made)
            except Exception as exc:  # keep cleaning the rest
                print(f"warning: could not remove database {made}: {exc}", file=sys.stderr)
        self.made.clear()


def fieldapp_env(database_url: str, instance_path: Path, env: dict[str, str] | None = None,
                 inherit_settings: bool = True) -> dict[str, str]:
    """The environment of a fieldapp child process: this process's, on ``database_url`` and
    ``instance_path``, running this checkout's code, plus ``env``. ``inherit_settings=False``
    leaves this process's FIELDAPP_* variables out."""
    base = {k: v for k, v in os.environ.items() if inherit_settings or not k.startswith("FIELDAPP_")}
    base["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), base.get("PYTHONPATH")]))
    return {**base, "FIELDAPP_DATABASE_URL": database_url, "FIELDAPP_INSTANCE_PATH": str(instance_path),
            "PYTHONUNBUFFERED": "1", **(env or {})}


def run_cli(env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 120) -> str:
    """Run ``fieldapp <args>`` in a child process with ``env`` (see fieldapp_env); return what it
    printed; RuntimeError with its output if it fails."""
    done = subprocess.run([sys.executable, "-m", "fieldapp.cli", *args], env=env, input=stdin, text=True,
                          capture_output=True, timeout=timeout, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"fieldapp {args[0]} failed ({done.returncode}): {done.stdout}{done.stderr}")
    return done.stdout


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """``fieldapp serve`` in a child process; a context manager that waits until it answers.

    ``output`` is what the server printed, read all the while. Readiness is polled on
    /healthz against a deadline, never guessed with a sleep; with ``wait_for_workers`` also
    until every worker process has been started (Linux: reads /proc). ``env`` and
    ``inherit_settings`` are those of :func:`fieldapp_env`.
    """

    def __init__(self, database_url: str, instance_path: Path, *args: str, port: int | None = None,
                 workers: int = 2, env: dict[str, str] | None = None, timeout: float = 60,
                 inherit_settings: bool = True, wait_for_workers: bool = False) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.command = [sys.executable, "-m", "fieldapp.cli", "serve", "--port", str(self.port),
                        "--workers", str(workers), *args]
        self.env = fieldapp_env(database_url, instance_path, env, inherit_settings)
        self.timeout = timeout
        self.wait_for_workers = wait_for_workers
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
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT)
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
                    if response.status == 200 and (not self.wait_for_workers or len(self.pids()) > self.workers):
                        return
            except OSError:
                pass
            self._read(0.1)
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

    def wait_for_count(self, text: str, count: int, timeout: float = 10) -> bool:
        """Whether ``text`` appears at least ``count`` times in ``output`` within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            return self._changed.wait_for(lambda: "".join(self._chunks).count(text) >= count,
                                          timeout=max(0.0, deadline - time.monotonic()))

    def _read(self, wait: float) -> None:
        """Give the server up to ``wait`` seconds to print something more."""
        with self._changed:
            self._changed.wait(timeout=wait)

    def tail(self, lines: int = 30) -> str:
        """The last ``lines`` lines the server printed."""
        return "\n".join(self.output.splitlines()[-lines:])

    def pids(self) -> list[int]:
        """The server's processes alive now: the master, then its workers (Linux: reads /proc)."""
        if self.process is None or self.process.poll() is not None:
            return []
        master = self.process.pid
        workers = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    raw = Path(f"/proc/{entry}/stat").read_text()
                except OSError:  # gone meanwhile
                    continue
                if int(raw[raw.rindex(")") + 2:].split()[1]) == master:  # the field after the state: parent
                    workers.append(int(entry))
        return [master, *workers]

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
