"""What ``log()`` accepts is exactly what the store holds: every value of every type a user may
pass is either refused with a ``UsageError`` or stored and read back equal, and no value ever
costs other data. Each batch of calls runs in its own process, so a writer that gets stuck fails
the test (timeout) instead of hanging it."""

from __future__ import annotations

import datetime
import decimal
import fractions
import http
import json
import math
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nbrun
from conftest import child_env, run_python

LOG_TEXT_MAX = 1 << 20

CHILD = textwrap.dedent("""
    import json, pickle, sys
    import nbrun
    calls = pickle.load(open(sys.argv[1], "rb"))
    run = nbrun.init(project="props", dir=sys.argv[2], mode="offline")
    outcome = []
    for payload in calls:
        step = run.step
        try:
            run.log(payload)
        except nbrun.UsageError as exc:
            outcome.append([False, step, str(exc)])
        else:
            outcome.append([True, step, ""])
    run.finish()
    json.dump({"id": run.id, "outcome": outcome, "state": run.state}, open(sys.argv[3], "w"))
""")

# -- the values: every kind point 1 of issue 10 names --------------------------------------
_surrogate_text = st.text(st.characters(blacklist_categories=()), max_size=12)
_np_floats = st.floats(allow_nan=True, allow_infinity=True)


def _np(kind):
    def build(x):
        with np.errstate(over="ignore"):  # a float beyond float16's range becomes inf
            return kind(x)
    return st.builds(build, _np_floats)


_ints = st.one_of(
    st.integers(),
    st.integers(min_value=2**62, max_value=2**70),
    st.sampled_from([2**63, -(2**63) - 1, 2**2048 - 1, -(2**2048) + 1, 2**2048, 10**700]),
)
VALUES = st.one_of(
    st.booleans(), _ints, st.floats(allow_nan=True, allow_infinity=True), _surrogate_text,
    st.sampled_from([LOG_TEXT_MAX, LOG_TEXT_MAX + 1, 3 * LOG_TEXT_MAX]).map(lambda n: "é" * n),
    st.none(), st.complex_numbers(allow_nan=True), st.binary(max_size=8),
    st.datetimes(), st.timedeltas(), st.dates(),
    st.decimals(allow_nan=True), st.fractions(),
    st.just(http.HTTPStatus.OK),  # an IntEnum
    st.lists(st.floats(), max_size=3), st.tuples(st.integers()),
    _np(np.float16), _np(np.float32), _np(np.float64), _np(np.longdouble),
    st.builds(np.complex64, st.complex_numbers(max_magnitude=1e30)),
    st.builds(np.int8, st.integers(-128, 127)), st.builds(np.uint64, st.integers(0, 2**64 - 1)),
    st.builds(np.int64, st.integers(-(2**63), 2**63 - 1)),
    st.builds(np.bool_, st.booleans()), st.builds(np.str_, st.text(max_size=5)),
    st.builds(np.bytes_, st.binary(max_size=5)),
    st.sampled_from([np.datetime64("2024-01-02"), np.datetime64("2024-01-02T03:04:05.123456789"),
                     np.timedelta64(5, "s"), np.datetime64("NaT"),
                     np.void(b"ab"), np.zeros(1, dtype=[("a", "i4"), ("b", "f8")])[0]]),
    st.builds(np.array, st.one_of(st.floats(), st.integers(-5, 5), st.text(max_size=3),
                                  st.complex_numbers(max_magnitude=5))),
    st.just(np.array(None, dtype=object)), st.just(np.array(1.5, dtype=object)),
    st.just(np.arange(3.0)),
    st.sampled_from([pd.Timestamp("2024-01-01"), pd.Timedelta("1s"), pd.NA, pd.NaT,
                     pd.Period("2024-01")]),
)


def _key(i: int) -> st.SearchStrategy:
    # Few keys, so that most values reach log()'s fast path (keys it has already checked).
    return st.sampled_from(["v", "w"])


@st.composite
def payloads(draw, i: int):
    """A log() payload: the drawn value flat or nested, perhaps beside an ordinary float."""
    value = draw(VALUES)
    shape = draw(st.sampled_from(["flat", "nested", "beside"]))
    key = draw(_key(i))
    if shape == "flat":
        return {key: value}
    if shape == "nested":
        return {"grp": {"sub": {key: value}}}
    return {key: value, "plain": float(i)}


@st.composite
def batches(draw):
    n = draw(st.integers(3, 12))
    calls = []
    for i in range(n):
        if draw(st.booleans()):
            calls.append({"ordinary": float(i), "count": i})
        calls.append(draw(payloads(i)))
    return calls


def _flat(payload: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in payload.items():
        if isinstance(v, dict):
            out.update(_flat(v, prefix + k + "/"))
        else:
            out[prefix + k] = v
    return out


def _must_accept(value) -> bool:
    """Values every user expects to be stored; refusing them would be a defect too."""
    if type(value) in (bool, float):
        return True
    if type(value) is int:
        return abs(value) < 2**2048
    if type(value) is str:
        return len(value) <= LOG_TEXT_MAX
    return isinstance(value, (np.floating, np.integer, np.bool_, np.str_))


def _same(stored, value) -> bool:
    if isinstance(value, (np.ndarray, np.generic)) and getattr(value, "ndim", 1) == 0:
        value = value.item() if not isinstance(value, np.longdouble) else value
    if isinstance(value, (bool, np.bool_)):
        return type(stored) is bool and stored == bool(value)
    if type(stored) not in (int, float, str, bool):
        return False
    if isinstance(stored, float) and math.isnan(stored):
        return isinstance(value, (float, np.floating)) and math.isnan(value)
    if isinstance(value, np.longdouble):
        return stored == float(value)
    return stored == value and type(stored) is not bool


def _run_batch(tmp_path, calls: list[dict]) -> None:
    case = tmp_path / f"case{len(list(tmp_path.iterdir()))}"
    case.mkdir()
    (case / "calls.pkl").write_bytes(pickle.dumps(calls))
    try:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(case / "calls.pkl"), str(case), str(case / "o.json")],
            cwd=case, env=child_env(), capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the child hung (a stuck writer?) on {calls!r:.2000}")
    assert proc.returncode == 0, proc.stderr
    assert "could not be stored" not in proc.stderr, proc.stderr
    result = json.loads((case / "o.json").read_text())
    assert result["state"] == "finished"
    record = nbrun.Api(case).run(result["id"])
    assert record.state == "finished" and not record.unstored
    rows = {row["_step"]: row for row in record.history()}
    for payload, (accepted, step, message) in zip(calls, result["outcome"]):
        flat = _flat(payload)
        if not accepted:
            assert not all(_must_accept(v) for v in flat.values()), (payload, message)
            assert message.startswith("log: key"), message
            continue
        row = rows.get(step)
        assert row is not None, f"accepted {payload!r:.300} at step {step} but nothing stored"
        for key, value in flat.items():
            assert key in row and _same(row[key], value), (key, value, row.get(key))
    ordinary = [c for c in calls if "ordinary" in c]
    stored = [r for r in rows.values() if "ordinary" in r]
    assert len(stored) == len(ordinary)


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(calls=batches())
def test_every_value_is_refused_or_stored_and_read_back_equal(tmp_path, calls):
    _run_batch(tmp_path, calls)


def test_the_two_reported_values_no_longer_cost_other_data(tmp_path):
    """The report: an int beyond 64 bits and a complex NumPy scalar. The first is stored
    exactly, the second refused; every other row of this run and of a second run survives."""
    run_python(f"""
        import nbrun, numpy as np
        a = nbrun.init(project="p", dir={str(tmp_path)!r}, mode="offline", id="a")
        b = nbrun.init(project="p", dir={str(tmp_path)!r}, mode="offline", id="b",
                       reinit="create_new")
        a.log({{"x": 1.0}})
        a.log({{"big": 2**70}})
        try:
            a.log({{"c": np.complex128(1 + 2j)}})
            raise SystemExit("complex accepted")
        except nbrun.UsageError as exc:
            assert "complex" in str(exc) and "'c'" in str(exc), exc
        for i in range(100):
            a.log({{"y": i}})
            b.log({{"z": i}})
        a.finish(); b.finish()
    """, cwd=tmp_path)
    api = nbrun.Api(tmp_path)
    a, b = api.run("a"), api.run("b")
    assert a.state == b.state == "finished"
    assert a.history(["big"])[0]["big"] == 2**70
    assert [r["y"] for r in a.history(["y"])] == list(range(100))
    assert [r["z"] for r in b.history(["z"])] == list(range(100))


@pytest.mark.parametrize("value,accepted", [
    (np.float32(0.5), True), (np.longdouble("0.1"), True), (np.array(3), True),
    (np.uint64(2**64 - 1), True), (decimal.Decimal("1.5"), False),
    (fractions.Fraction(1, 3), False), (datetime.datetime(2024, 1, 1), False),
    (np.datetime64("2024-01-01T00:00:00.000000000"), False), (b"x", False),
    (np.void(b"ab"), False), (None, False), (1 + 2j, False), ("a" * (LOG_TEXT_MAX + 1), False),
    (2**2048, False), ("\udc80 lone surrogate", True),
])
def test_the_rule_names_key_type_and_what_is_accepted(store_dir, value, accepted):
    run = nbrun.init(project="p", dir=store_dir, mode="offline")
    if accepted:
        run.log({"k": value})
        run.finish()
        stored = nbrun.Api(store_dir).run(run.id).history()[0]["k"]
        assert _same(stored, value)
        return
    with pytest.raises(nbrun.UsageError) as info:
        run.log({"k": value})
    text = str(info.value)
    assert text.startswith("log: key 'k'"), text
    assert "accepted" in text or "at most" in text or "bits" in text, text
    run.finish()


def test_a_dict_holding_itself_or_nested_too_deep_is_a_usage_error(store_dir):
    """Was a raw RecursionError in the user's cell (issue 10 point 5); the run goes on."""
    looped: dict = {"loss": 1.0}
    looped["again"] = looped
    deep = inner = {}
    for _ in range(500):
        inner["k"] = {}
        inner = inner["k"]
    with nbrun.init(dir=store_dir, project="p", mode="offline") as run:
        with pytest.raises(nbrun.UsageError, match="'again' holds a dict that contains itself"):
            run.log(looped)
        with pytest.raises(nbrun.UsageError, match="nested more than 64 dicts deep"):
            run.log(deep)
        run.log({"loss": 0.5, "nested": {"ok": 1.0}})
    record = nbrun.Api(store_dir).run(run.id)
    assert record.state == "finished"
    assert record.history() == [{"_step": 0, "loss": 0.5, "nested/ok": 1.0}]
