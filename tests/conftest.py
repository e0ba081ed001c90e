"""The whole suite's fixtures, registered once as plugins (pytest reads ``pytest_plugins`` only here).

tests/fixtures/app.py: the app on a fresh database per test (SQLite, or PostgreSQL when
``FIELDAPP_TEST_DATABASE_URL`` is set), its client, CLI runner and ``create_user``.
tests/fixtures/web.py: signing in through the real forms, a signed-in admin and supervisor, ``post_form``.
tests/fixtures/devices.py: officers' signed-in phones (``sign_in_device``, ``officer``) and a ``postbox``.

A folder's own conftest.py holds the fixtures used in that folder alone. Tests import plain helpers
from tests.fixtures (and tests.factories), never a fixture.
"""

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.web",
    "tests.fixtures.devices",
]
