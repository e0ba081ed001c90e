"""Property tests: validate_entry never raises and always answers in one of
two shapes, whatever JSON it is given."""
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import Entry, validate_entry
from sync.rules import CHECKS
from sync.validation import _validate  # the unguarded core: no reliance on the safety net

SAMPLES = ["stop_search", "stop_account", "asb_advice", "asb_s35", "asb_cpw", "asb_other",
           "begging", "welfare_check", "other", "postbox_visit", "postbox_item"]
ENVELOPE = ["id", "type", "version", "base_version", "captured_at", "data"]
FIELDS = {entry_type: list(fields) for entry_type, (fields, _) in CHECKS.items()}

json_scalars = (st.none() | st.booleans() | st.floats(allow_nan=True, allow_infinity=True)
                | st.integers() | st.integers(min_value=-(2**80), max_value=2**80).map(lambda n: n * 10**300)
                | st.text() | st.sampled_from(["", " ", "\x00", "\ud800", "2026-11-27T10:00:00Z",
                                                "drugs", "stop_search", "true", "1"]))
json_values = st.recursive(json_scalars, lambda children: st.lists(children, max_size=5)
                           | st.dictionaries(st.text(max_size=10), children, max_size=5), max_leaves=20)

# ctx is immutable, so sharing it across generated examples is safe.
shared_ctx = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300,
                      deadline=None)


def _check_shape(result):
    assert isinstance(result, tuple) and len(result) == 2
    entry, errors = result
    if entry is None:
        assert isinstance(errors, dict) and errors
        assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in errors.items())
    else:
        assert isinstance(entry, Entry) and errors == {}
        json.dumps(entry.data, allow_nan=False)  # storable JSON
        assert len(entry.content_hash) == 64
    return entry, errors


@shared_ctx
@given(raw=json_values)
def test_any_json_value(ctx, raw):
    _check_shape(_validate(raw, ctx))
    _check_shape(validate_entry(raw, ctx))


@shared_ctx
@given(data=st.data(), name=st.sampled_from(SAMPLES), full=st.booleans(), value=json_values)
def test_valid_entry_with_one_field_mutated(ctx, make_entry, data, name, full, value):
    raw = make_entry(name, full=full)
    where = data.draw(st.sampled_from(["envelope", "data"]))
    known = ENVELOPE if where == "envelope" else FIELDS[raw["type"]]
    key = data.draw(st.sampled_from(sorted(known)) | st.text(max_size=8))
    (raw if where == "envelope" else raw["data"])[key] = value
    entry, errors = _check_shape(_validate(raw, ctx))
    if key not in known:
        # The entry was valid: an added unknown key is the only thing wrong.
        assert (entry, errors) == (None, {key: "Unknown field."})


@shared_ctx
@given(name=st.sampled_from(SAMPLES), full=st.booleans())
def test_cleaned_data_validates_to_itself(ctx, make_entry, name, full):
    # What the server stores, if sent again, is the same content (same hash).
    raw = make_entry(name, full=full)
    first, _ = validate_entry(raw, ctx)
    again, errors = validate_entry({**raw, "data": first.data}, ctx)
    assert errors == {}
    assert again.data == first.data and again.content_hash == first.content_hash
