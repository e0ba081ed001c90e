"""Whatever a client sends, the API answers 4xx (or 2xx), never 500."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import stop_search

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)
FIELDS = sorted(stop_search()["data"]) + ["id", "type", "version", "base_version", "captured_at", "data"]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(body=JSON)
def test_any_json_body(officer, body):
    response = officer.post("/api/sync/push", data=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code in {200, 400, 413}, response.get_data(as_text=True)
    assert response.is_json


@FUZZ
@given(field=st.sampled_from(FIELDS), value=JSON)
def test_any_value_in_any_field(officer, field, value):
    entry = stop_search()
    if field in entry:
        entry[field] = value
    else:
        entry["data"][field] = value
    response = officer.post("/api/sync/push", json={"entries": [entry]})
    assert response.status_code == 200
    [result] = response.get_json()["results"]
    assert result["status"] in {"created", "rejected"}


@FUZZ
@given(raw=st.binary(max_size=200))
def test_any_bytes(officer, raw):
    response = officer.post("/api/sync/push", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code in {400, 200}


@FUZZ
@given(path=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#%"),
                    min_size=1, max_size=40))
def test_any_entry_id_in_the_path(officer, path):
    assert officer.get(f"/api/entries/{path}").status_code == 404
