"""The officer app's ES modules are all part of the app shell the service worker precaches.

A module left out of ``SHELL_FILES`` and ``LAZY_FILES`` is not served at all
(the route serves those lists only), nor cached for offline use; an import of
a file in neither would break the app offline. A lazy module (imported with
``import()`` when first needed) is precached like the shell but does not count
against its byte budget: a shell module may import one only dynamically. Scenario 11 (test_officer_app.py)
proves an offline cold start; these say which file is missing when one is.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fieldapp.officer.shell import LAZY_FILES, SHELL_FILES
from tests.browser.officer import sign_in_app

STATIC = Path(__file__).resolve().parents[2] / "static"
IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]""")
STATIC_IMPORT = re.compile(r"""(?:\bfrom\s*|^import\s*)['"]([^'"]+)['"]""", re.M)


def modules() -> list[str]:
    """Every module of the app, as its shell name (``js/app.js``)."""
    return sorted(f"js/{path.name}" for path in (STATIC / "js").glob("*.js"))


#: Modules written but not yet part of the app: nothing imports them and the shell does not carry them.
NOT_YET_WIRED: set[str] = set()


def test_every_module_is_in_the_shell():
    assert "js/app.js" in modules()
    assert sorted(set(modules()) - set(SHELL_FILES) - set(LAZY_FILES) - NOT_YET_WIRED) == []
    assert not NOT_YET_WIRED & set(SHELL_FILES + LAZY_FILES), "wired in now: take it off NOT_YET_WIRED"
    assert not set(SHELL_FILES) & set(LAZY_FILES)
    assert all((STATIC / name).is_file() for name in LAZY_FILES)


def _served_name(module: str, specifier: str) -> str:
    """The shell or lazy name an import resolves to (``./x.js`` beside it, ``../vendor/x.js``)."""
    folder = module.rsplit("/", 1)[0]
    if specifier.startswith("../"):
        return specifier[3:]
    return f"{folder}/{specifier[2:]}"


def test_every_import_names_a_module_of_the_shell():
    served = set(SHELL_FILES) | set(LAZY_FILES)
    for name in [*modules(), *(n for n in LAZY_FILES if n.endswith(".js") and not n.startswith("js/"))]:
        # a module not yet wired in may import the shell's; no shell module may import it
        source = (STATIC / name).read_text()
        for specifier in IMPORT.findall(source):
            assert specifier.startswith(("./", "../vendor/")), f"{name} imports {specifier!r}: same-folder modules and vendor/ only"
            assert _served_name(name, specifier) in served, f"{name} imports {specifier}, which is not precached"
        if name in SHELL_FILES:  # the shell's budget: a lazy module is never loaded with it
            for specifier in STATIC_IMPORT.findall(source):
                assert _served_name(name, specifier) in SHELL_FILES, f"{name} imports lazy {specifier} statically"


@pytest.mark.browser
@pytest.mark.slow
def test_the_installed_worker_holds_every_module(page, app_server):
    sign_in_app(page, app_server)
    cached = page.evaluate("""async () => {
        const names = (await caches.keys()).filter((name) => name.startsWith('fieldapp-shell-'));
        if (names.length !== 1) return names;
        const requests = await (await caches.open(names[0])).keys();
        return requests.map((request) => new URL(request.url).pathname);
    }""")
    assert {f"/app/static/{name}" for name in set(modules()) - NOT_YET_WIRED} <= set(cached)
    assert {f"/app/static/{name}" for name in LAZY_FILES} <= set(cached)
