"""``log()`` keeps runs of same-shaped rows as flat blocks (``store.channel``): whatever the mix
of shapes, key orders, value types, explicit steps, ``commit=False`` and summary edits, the
history and the summary are exactly those of a plain model, read while the run is live and
after ``finish()``."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nbrun
from nbrun.store import writer

KEYS = ["a", "b", "c/d"]
value = st.one_of(st.floats(allow_nan=False), st.integers(-2**70, 2**70), st.booleans(),
                  st.text(max_size=3))
row = st.dictionaries(st.sampled_from(KEYS), value, max_size=3)
op = st.one_of(
    st.tuples(st.just("log"), row),
    st.tuples(st.just("log"), row),  # twice as likely: runs of rows are the point
    st.tuples(st.just("step"), row, st.integers(0, 3)),  # step= current + 0..3
    st.tuples(st.just("nocommit"), row),
    st.tuples(st.just("read"), st.sampled_from(KEYS)),
    st.tuples(st.just("del"), st.sampled_from(KEYS)),
    st.tuples(st.just("flush")),
)


def vary(v, r: int):
    """A value of the same type that differs from one repetition to the next."""
    if type(v) is float:
        return v + r if math.isfinite(v + r) else v
    if type(v) is int:
        return v + r
    return v if type(v) is bool else v + str(r)


def same(x, y) -> bool:
    return type(x) is type(y) and (x == y or (isinstance(x, float) and math.isnan(x)
                                              and math.isnan(y)))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, max_size=40), repeat=st.integers(1, 30))
def test_history_and_summary_match_a_model(tmp_path_factory, ops, repeat):
    store = tmp_path_factory.mktemp("blocks")
    run = nbrun.init(project="p", dir=store, mode="offline")
    history: dict[int, dict] = {}
    summary: dict = {}
    pending: dict = {}
    step = 0

    def commit():
        nonlocal pending, step
        if pending:
            history.setdefault(step, {}).update(pending)
        pending = {}
        step += 1

    for item in ops:
        kind = item[0]
        for r in range(repeat if kind == "log" else 1):
            if kind == "log":
                data = {k: vary(v, r) for k, v in item[1].items()}
                run.log(data)
                pending.update(data)
                summary.update(data)
                commit()
            elif kind == "step":
                target = step + item[2]
                run.log(dict(item[1]), step=target)
                if target > step:
                    commit() if pending else None
                    step = target
                pending.update(item[1])
                summary.update(item[1])
            elif kind == "nocommit":
                run.log(dict(item[1]), commit=False)
                pending.update(item[1])
                summary.update(item[1])
            elif kind == "read":
                assert same(run.summary.get(item[1]), summary.get(item[1]))
            elif kind == "del":
                if item[1] in summary:
                    del run.summary[item[1]]
                    del summary[item[1]]
            else:
                writer.get_writer().flush(timeout=5)
        assert run.step == step
    assert set(run.summary) == set(summary)
    assert all(same(run.summary[k], v) for k, v in summary.items())
    run.finish()
    if pending:
        history.setdefault(step, {}).update(pending)
    record = nbrun.Api(store).run(run.id)
    got = {r["_step"]: {k: v for k, v in r.items() if k != "_step"} for r in record.history()}
    want = {s: v for s, v in history.items() if v}
    assert got.keys() == want.keys()
    for s, values in want.items():
        assert got[s].keys() == values.keys(), s
        assert all(same(got[s][k], v) for k, v in values.items()), (s, got[s], values)
    assert record.summary.keys() == summary.keys()
    assert all(same(record.summary[k], v) for k, v in summary.items())


def test_a_block_written_while_open_keeps_its_last_row_for_the_summary(store_dir):
    run = nbrun.init(project="p", dir=store_dir, mode="offline")
    for i in range(5000):
        run.log({"x": float(i), "y": i})
        if i % 997 == 0:
            writer.get_writer().flush(timeout=5)
            assert run.summary["x"] == float(i) and run.summary["y"] == i
    assert run._channel.count() < 5000
    run.finish()
    record = nbrun.Api(store_dir).run(run.id)
    assert [r["y"] for r in record.history(["y"])] == list(range(5000))
    assert record.summary == {"x": 4999.0, "y": 4999}
