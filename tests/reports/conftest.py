"""Fixtures for the reports: officers' devices (from the API tests) and signed-in supervisors."""

from __future__ import annotations

import csv
import io

import pytest

from tests.api.conftest import officer, postbox, sign_in_device  # noqa: F401


@pytest.fixture
def supervisor(create_user, auth):
    """Sergeant 'sgt' of team Rose Hill, signed in on the web client."""
    create_user("sgt", role="supervisor", team="Rose Hill", display_name="PS Hughes")
    auth.login("sgt")
    return "sgt"


def read_csv(response) -> list[list[str]]:
    """The rows of a CSV response, header first."""
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))
