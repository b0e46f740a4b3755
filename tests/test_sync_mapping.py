"""The reversible key mapping and the metric value encoding of online mode (pure functions; the
server's acceptance of the mapped keys is checked against a real server in test_sync.py)."""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from nbrun.store.syncstate import Chunk
from nbrun.sync import batches, mapping


@given(st.text(min_size=1, max_size=400))
def test_every_key_maps_to_one_mlflow_accepts_and_distinct_keys_stay_distinct(key):
    mapped = mapping.mlflow_key(key)
    assert mapping.key_ok(mapped)
    assert mapping.mlflow_key(key) == mapped
    if mapping.key_ok(key):
        assert mapped == key
    else:
        assert mapped != mapping.mlflow_key(key + "x")


def test_refused_keys_are_mapped():
    for key in ("a@b", "x#1", "../up", "/abs", "a//b", "p(q)", "k" * 251, "end/"):
        assert not mapping.key_ok(key) and mapping.key_ok(mapping.mlflow_key(key))
    for key in ("loss", "train/loss", "a.b c:d-e_f", "ü"):
        assert mapping.mlflow_key(key) == key


# The largest float itself is the one value that cannot come back: MLflow stores an infinity
# as that very number (README, mapping table).
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True)
                 .filter(lambda v: abs(v) != mapping.FLOAT_MAX),
                 st.integers(-2**53, 2**53), st.booleans()))
def test_values_round_trip_through_their_json_form(value):
    literal = mapping.value_literal(value)
    back = mapping.from_server(json.loads(literal))
    expected = float(value)
    assert (math.isnan(back) and math.isnan(expected)) or back == expected


def test_strings_are_not_metrics():
    assert mapping.value_literal("text") is None and mapping.value_literal(None) is None


def test_batches_cut_chunks_at_1000_points_and_resume_inside_a_chunk():
    chunks = [Chunk(5, "a", list(range(1500)), [float(i) for i in range(1500)], 1000),
              Chunk(9, "b", [0, 1], ["x", 2.0], None)]
    first = batches.next_batch(iter(chunks), 0, 0, default_ms=7)
    assert len(first.entries) == 1000 and (first.cursor, first.partial) == (4, 1000)
    second = batches.next_batch(iter(chunks), first.cursor, first.partial, default_ms=7)
    assert [p[:3] for p in second.points][:1] == [("a", 1000, 1000)]
    assert second.points[-1] == ("b", 1, 7, "2.0")  # a chunk without wall time: the default
    assert second.consumed == 502 and len(second.entries) == 501  # the string is skipped
    assert (second.cursor, second.partial) == (9, 0)
    body = json.loads(second.body("r1"))
    assert body["run_id"] == "r1" and body["metrics"][0] == {
        "key": "a", "timestamp": 1000, "step": 1000, "value": 1000.0}
