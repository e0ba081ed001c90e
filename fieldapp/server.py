"""Running the app under gunicorn, started from ``fieldapp serve``."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


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
    options: dict[str, object] = {"accesslog": "-"} if access_log else {}
    Server({
        **options,
        "bind": f"{host}:{port}",
        "workers": workers,
        # Threads, not gunicorn's sync workers: a phone or browser that opens a
        # connection and sends nothing (pre-connect, a stalled mobile link) would
        # hold a sync worker until it times out; a few of those stop the server.
        "worker_class": "gthread",
        "threads": 4,
        "keepalive": 5,
        # Files go through Python, not sendfile(2): with sendfile, responses for
        # the app's files stalled under a browser's parallel requests here.
        "sendfile": False,
        # Long CSV exports stream for minutes; the worker heartbeat is separate from requests.
        "timeout": 120,
        "graceful_timeout": 20,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "fieldapp",
    }).run()
