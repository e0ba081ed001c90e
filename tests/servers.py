"""Running the real server (``fieldapp serve``) in a child process for tests and benchmarks."""

from __future__ import annotations

import os
import re
import selectors
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """``fieldapp serve`` in a child process; a context manager that waits until it answers.

    ``output`` collects what the server printed. Readiness is polled on
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
        self.output = ""
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, env=self.env, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            self._read(0.1)
            if self.process.poll() is not None:
                self._read(0)
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.output}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                continue
        self.stop()
        raise RuntimeError(f"server did not answer within {self.timeout}s:\n{self.output}")

    def _read(self, wait: float) -> None:
        """Collect whatever the server printed, waiting at most ``wait`` seconds."""
        assert self.process and self.process.stdout
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        try:
            while selector.select(timeout=wait):
                chunk = os.read(self.process.stdout.fileno(), 65536)
                if not chunk:
                    break
                self.output += chunk.decode(errors="replace")
                wait = 0
        finally:
            selector.close()

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
        self._read(0)
        self.process.stdout.close()

    def demo_password(self) -> str:
        match = re.search(r"password for all: (\S+)\)", self.output)
        assert match, self.output
        return match.group(1)
