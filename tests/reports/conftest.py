"""Fixtures for the reports: the same officers' devices and signed-in supervisor as the exports."""

from tests.api.conftest import officer, postbox, sign_in_device  # noqa: F401
from tests.exports.conftest import supervisor  # noqa: F401
