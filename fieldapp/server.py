"""Running the app for ``fieldapp serve``: gunicorn processes, each serving with waitress.

Gunicorn is the process manager: it binds the port, forks the workers,
replaces one that dies and stops them all on SIGTERM. Each worker serves
HTTP with waitress, whose one I/O thread reads a request's headers and whole
body (big bodies spill to a temporary file) before a thread runs the app, and
writes the response out of its own buffers. A phone on a bad network, or a
client that sends a byte every few seconds on purpose, holds a socket and a
buffer, never one of the threads that run the app. (Gunicorn's own threaded
worker parses a request inside the thread that will run it, so eight slow
clients stopped every phone.)

Three guards around that (and glibc's malloc held to two arenas, so memory a
thread freed after a big export is used again by the others):

- a worker asks the kernel to kill it when its master dies (``PR_SET_PDEATHSIG``),
  so a master killed with SIGKILL leaves no orphan holding the port and the
  next ``fieldapp serve`` starts at once;
- a request whose app call (not its streamed body) is still running after
  twice ``FIELDAPP_REQUEST_TIME_LIMIT_SECONDS`` (the database's per-call limit),
  makes its worker stop taking requests and exit after the graceful timeout:
  gunicorn starts a fresh one, and the runaway cannot hold a thread for ever;
- waitress limits connections, header and body sizes, and idle connections.

And two for the data: every file the server creates is readable by its own
user only (umask 077, and an instance folder left readable by an older
version is made private at start, saying so), and the access log carries no
query values (search text, usernames): ``?q=[redacted]``. Forwarded headers
(``X-Forwarded-Proto``, ``-For``) are trusted by the app alone, through
``FIELDAPP_TRUST_PROXY``; gunicorn and waitress never trust them.
"""

from __future__ import annotations

import ctypes
import os
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from gunicorn.app.base import BaseApplication
from gunicorn.workers.base import Worker
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ThreadedTaskDispatcher

#: Threads running the app in each worker process.
THREADS = 8
#: Linux prctl option: the signal the kernel sends this process when its parent dies.
PR_SET_PDEATHSIG = 1
#: glibc mallopt option: how many malloc arenas the process may have.
M_ARENA_MAX = -8
#: Two arenas, not glibc's 8 per core: each thread that streamed a big export otherwise kept
#: its own arena's freed memory, and a worker grew from 87 MB to 262 MB over three exports.
MALLOC_ARENAS = 2
#: Files and folders the server creates: readable and writable by its own user only.
PRIVATE_UMASK = 0o077
#: What the access log writes instead of a query string's value.
REDACTED = "[redacted]"


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when its parent exits (Linux; elsewhere a no-op)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def limit_malloc_arenas() -> None:
    """Cap glibc's malloc arenas before the worker starts its threads (elsewhere a no-op)."""
    try:
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, MALLOC_ARENAS)
    except (OSError, AttributeError):
        pass


def redacted_query(query: str) -> str:
    """``query`` with every value replaced: ``q=Smith&page=2`` is ``q=[redacted]&page=[redacted]``."""
    return "&".join(part.split("=", 1)[0] + "=" + REDACTED if "=" in part else REDACTED
                    for part in query.split("&"))


def make_private(paths: Iterable[Path]) -> list[Path]:
    """Take group and other permissions off each of ``paths`` (folders: everything under them too).

    Returns the paths that were changed. Symbolic links are neither followed nor changed; a
    path that cannot be changed (another user's) is left as it is and reported on stderr.
    """
    changed = []

    def tighten(path: Path) -> None:
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            return
        if stat.S_ISLNK(mode) or not mode & 0o077:
            return
        try:
            path.chmod(stat.S_IMODE(mode) & 0o700)
            changed.append(path)
        except OSError as exc:
            print(f"warning: {path} is readable by others and cannot be changed: {exc.strerror}",
                  file=sys.stderr)

    for top in paths:
        tighten(top)
        if top.is_dir() and not top.is_symlink():
            for folder, folders, files in os.walk(top):
                for name in folders + files:
                    tighten(Path(folder) / name)
    return changed


def private_files() -> None:
    """From now on create files for this user only; make the instance folder and database private.

    ``fieldapp serve`` has already made the instance folder and the database by the
    time this runs; with the umask set this early by the command line they were private
    from the first byte, otherwise they are made so here. SQLite gives a database's
    -wal and -shm files its own mode, whatever the umask: the database file must be private.
    """
    from sqlalchemy.engine import make_url

    from fieldapp import create_app

    os.umask(PRIVATE_UMASK)
    app = create_app()
    paths = [Path(app.instance_path)]
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database).resolve()
        paths += [database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
    changed = make_private(paths)
    if changed:
        print(f"Made {len(changed)} files and folders readable by this user only "
              f"(they were readable by others), among them {changed[0]}.")


class RunningRequests:
    """WSGI middleware that remembers when each running app call started, for the watchdog."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self._started: dict[int, float] = {}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        key = threading.get_ident()
        self._started[key] = time.monotonic()
        try:
            return self.app(environ, start_response)
        finally:
            self._started.pop(key, None)

    def oldest(self) -> float:
        """Seconds the longest-running app call has run so far (0 when none runs)."""
        started = list(self._started.values())
        return time.monotonic() - min(started) if started else 0.0


class AccessLog:
    """WSGI middleware printing one line per request to standard output (``--access-log``).

    The line is printed when the app has answered, before the response is sent,
    so a request the client has seen answered is always in the log already.
    """

    def __init__(self, app: Callable) -> None:
        self.app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.monotonic()
        status: list[str] = []

        def recording_start_response(status_line, headers, exc_info=None):
            status[:] = [status_line.split(" ", 1)[0]]
            return start_response(status_line, headers, exc_info)

        try:
            return self.app(environ, recording_start_response)
        finally:
            query = environ.get("QUERY_STRING")
            path = environ.get("PATH_INFO", "") + ("?" + redacted_query(query) if query else "")
            line = '{} - - [{}] "{} {} {}" {} {:.3f}s\n'.format(
                environ.get("REMOTE_ADDR", "-"), time.strftime("%d/%b/%Y:%H:%M:%S %z"),
                environ.get("REQUEST_METHOD"), path, environ.get("SERVER_PROTOCOL"),
                status[0] if status else "-", time.monotonic() - started)
            with self._lock:
                sys.stdout.write(line)
                sys.stdout.flush()


class WaitressWorker(Worker):
    """A gunicorn worker that serves its share of the listening sockets with waitress."""

    def init_process(self) -> None:
        die_with_parent()
        if os.getppid() != self.ppid:  # the master died before the line above took effect
            os._exit(1)
        limit_malloc_arenas()
        super().init_process()

    def run(self) -> None:
        app = RunningRequests(AccessLog(self.wsgi) if self.cfg.accesslog else self.wsgi)
        # Twice the database's per-call limit: an app call still running then is past saving.
        limit = 2 * self.wsgi.config["REQUEST_TIME_LIMIT_SECONDS"]
        socket_map: dict = {}
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(self.cfg.threads)
        server = create_server(
            app, map=socket_map, _dispatcher=dispatcher,
            sockets=[listener.sock for listener in self.sockets],
            ident="fieldapp",
            connection_limit=2000,         # slow or idle clients cost a socket each, not a thread
            channel_timeout=120,           # an idle connection is closed after two minutes
            max_request_header_size=64 * 1024,
            max_request_body_size=16 * 1024 * 1024,  # the app refuses over 12 MB with a clear 413
            asyncore_use_poll=True,        # select() stops at 1,024 descriptors
            clear_untrusted_proxy_headers=False,  # the app decides (FIELDAPP_TRUST_PROXY)
            expose_tracebacks=False,
        )
        try:
            while self.alive:
                self.notify()
                if os.getppid() != self.ppid:
                    break
                wasyncore.loop(timeout=1.0, map=socket_map, use_poll=True, count=1)
                if app.oldest() > limit:
                    self.log.error("A request has run for over %.0f s: this worker stops taking requests "
                                   "and is replaced.", limit)
                    self.alive = False
        finally:
            self._drain(server, socket_map, dispatcher)

    def _drain(self, server, socket_map: dict, dispatcher: ThreadedTaskDispatcher) -> None:
        """Stop listening, let requests in flight finish (up to the graceful timeout), then stop."""
        server.close()  # this worker's copy of the listening socket(s)
        for listener in self.sockets:
            listener.close()
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while time.monotonic() < deadline and os.getppid() == self.ppid and any(
                isinstance(channel, HTTPChannel) and (channel.requests or channel.total_outbufs_len)
                for channel in list(socket_map.values())):
            self.notify()
            wasyncore.loop(timeout=0.2, map=socket_map, use_poll=True, count=1)
        dispatcher.shutdown(cancel_pending=True, timeout=1)
        wasyncore.close_all(socket_map)


class Server(BaseApplication):
    """Gunicorn with its settings given in code; each worker builds its own app."""

    def __init__(self, options: dict[str, object]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from fieldapp import create_app

        return create_app()


def run(host: str, port: int, workers: int, access_log: bool = False) -> None:
    """Serve until stopped (SIGINT or SIGTERM)."""
    private_files()
    options: dict[str, object] = {"accesslog": "-"} if access_log else {}
    Server({
        **options,
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "fieldapp.server.WaitressWorker",
        "threads": THREADS,
        # The heartbeat: a worker whose I/O loop stops for this long is replaced.
        "timeout": 60,
        "graceful_timeout": 20,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "fieldapp",
        "umask": PRIVATE_UMASK,
        # Gunicorn's default trusts X-Forwarded-Proto from 127.0.0.1 whatever FIELDAPP_TRUST_PROXY says;
        # the app alone decides (werkzeug's ProxyFix, one hop, when it is true).
        "forwarded_allow_ips": "",
    }).run()
