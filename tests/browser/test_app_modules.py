"""The officer app's ES modules are all part of the app shell the service worker precaches.

A module left out of ``SHELL_FILES`` is not served at all (the route serves
that list only), nor cached for offline use; an import of a file that is not
in the shell would break the app offline. Scenario 11 (test_officer_app.py)
proves an offline cold start; these say which file is missing when one is.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fieldapp.officer.shell import SHELL_FILES
from tests.browser.officer import sign_in_app

STATIC = Path(__file__).resolve().parents[2] / "static"
IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]""")


def modules() -> list[str]:
    """Every module of the app, as its shell name (``js/app.js``)."""
    return sorted(f"js/{path.name}" for path in (STATIC / "js").glob("*.js"))


#: Modules written but not yet part of the app: nothing imports them and the shell does not carry them.
NOT_YET_WIRED: set[str] = set()


def test_every_module_is_in_the_shell():
    assert "js/app.js" in modules()
    assert sorted(set(modules()) - set(SHELL_FILES) - NOT_YET_WIRED) == []
    assert not NOT_YET_WIRED & set(SHELL_FILES), "wired in now: take it off NOT_YET_WIRED"


def test_every_import_names_a_module_of_the_shell():
    for name in modules():  # a module not yet wired in may import the shell's; no shell module may import it
        for specifier in IMPORT.findall((STATIC / name).read_text()):
            assert specifier.startswith("./"), f"{name} imports {specifier!r}: the shell is same-folder modules only"
            assert f"js/{specifier[2:]}" in SHELL_FILES, f"{name} imports {specifier}, which is not in the shell"


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
