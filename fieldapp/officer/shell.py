"""The app shell: which files make up the officer app, and a version that changes with them."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from functools import cache
from pathlib import Path

from fieldapp.officer.rule_table import field_rules

#: Served under /app/static/; everything the app needs to start with no connection.
#: Every ES module in js/ is here (tests/browser/test_app_modules.py checks it).
SHELL_FILES = (
    "app.css",
    # The entry module and the parts it wires together.
    "js/app.js",
    "js/page.js",
    "js/session.js",
    "js/reference.js",
    "js/router.js",
    "js/drafts.js",
    "js/capture.js",
    "js/encounter.js",
    "js/round.js",
    "js/outbox-screen.js",
    "js/sync-schedule.js",
    "js/persistence.js",
    "js/updates.js",
    "js/lock.js",
    # Under them: storage, the sync protocol, the forms, photos and their checks, the screens.
    "js/db.js",
    "js/vault.js",
    "js/outbox.js",
    "js/sync.js",
    "js/forms.js",
    "js/photo-field.js",
    "js/photos.js",
    "js/validate.js",
    "js/screens.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/icon-maskable-512.png",
)

#: Served and precached like the shell, but imported only when first needed (``import()``), so
#: they do not count against the shell's byte budget (bench/client.py reports them on their own).
#: The stop and search form's helpers, its receipt, and the QR code library (static/vendor/).
LAZY_FILES = (
    "search.css",
    "js/search-form.js",
    "js/receipt.js",
    "js/receipt-screen.js",
    "vendor/qrcode-generator.js",
)


@cache
def static_dir() -> Path:
    """The officer app's folder: ``static/`` in a checkout, ``fieldapp/webapp`` when installed."""
    spec = importlib.util.find_spec("fieldapp.webapp")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - broken install
        raise RuntimeError("the officer app's files (fieldapp.webapp) are not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def service_worker_source(release: str = "") -> str:
    """``sw.js`` with the shell's version and file lists put in (made once per release)."""
    def listed(names: tuple[str, ...]) -> str:
        return ",\n  ".join(f"'/app/static/{name}'" for name in names)
    return ((static_dir() / "sw.js").read_text().replace("__SHELL_VERSION__", shell_version(release))
            .replace("'__SHELL_FILES__'", listed(SHELL_FILES)).replace("'__LAZY_FILES__'", listed(LAZY_FILES)))


@cache
def shell_version(release: str = "") -> str:
    """A digest of every shell file, the page template, the worker and the release label.

    A new digest means a new service worker, which phones offer as an update.
    """
    digest = hashlib.sha256(release.encode())
    root = static_dir()
    for name in (*SHELL_FILES, *LAZY_FILES, "sw.js"):
        digest.update(name.encode())
        digest.update((root / name).read_bytes())
    digest.update((Path(__file__).resolve().parent / "templates" / "officer" / "app.html").read_bytes())
    digest.update(json.dumps(field_rules(), sort_keys=True).encode())
    return digest.hexdigest()[:16]
