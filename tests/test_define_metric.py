"""Issue 22 point 3: ``run.define_metric()`` as the contract's tracker has it: summaries (min,
max, mean, first, last, best with goal, none, several at once, names with globs) in the tracker's
shape (``summary["loss"] == {"min": .., "max": ..}``), the definitions kept with the run (read
by ``Api``, carried over by resume, served by the run endpoint), and a key's last write winning
in the summary whether it was logged or set by hand."""

from __future__ import annotations

import math

import pytest

import nbrun
from nbrun.store import writer


def start(store_dir, **kwargs):
    return nbrun.init(dir=store_dir, mode="offline", project="p", **kwargs)


def test_summaries_follow_the_definitions_in_the_trackers_shape(store_dir):
    run = start(store_dir)
    metric = run.define_metric("loss", summary="min,max")
    assert (metric.name, metric.summary) == ("loss", ("min", "max"))
    run.define_metric("acc", summary="best", goal="maximize")
    run.define_metric("val/*", step_metric="epoch", summary="mean")
    run.define_metric("first_seen", summary="first")
    run.define_metric("gone", summary="none")
    run.define_metric("latest", summary="last")
    run.define_metric("plain", hidden=True)  # no summary change: the last value
    losses = [3.0, 1.0, float("nan"), 2.0]
    for i, loss in enumerate(losses):
        run.log({"loss": loss, "acc": [0.1, 0.5, 0.2, 0.3][i], "val/x": 10.0 * (i + 1),
                 "epoch": i, "first_seen": i, "gone": i, "latest": i, "plain": i})
    expected = {"loss": {"min": 1.0, "max": 3.0}, "acc": {"best": 0.5},
                "val/x": {"mean": 25.0}, "first_seen": {"first": 0},
                "latest": {"last": 3}, "plain": 3, "epoch": 3}
    for key, value in expected.items():
        assert run.summary[key] == value, key
    assert "gone" not in run.summary
    run.finish()
    record = nbrun.Api(store_dir).run(run.id)
    for key, value in expected.items():
        assert record.summary[key] == value, key
    assert record.summary["loss/min"] == 1.0  # kept flat in the store, as logged keys are
    assert "gone" not in record.summary and "gone" not in record.summary.keys()


def test_summaries_cover_every_row_whichever_way_it_was_logged(store_dir):
    # log()'s fast path (same-shaped rows in blocks, some already written while the block is
    # open), its general path (commit=False, explicit steps), and rows logged between reads.
    run = start(store_dir)
    run.define_metric("x", summary="min,max,mean,first,last")
    values = []
    for i in range(5000):
        value = math.sin(i) * 100
        values.append(value)
        run.log({"x": value, "i": i})
        if i % 997 == 0:
            writer.get_writer().flush(timeout=5)
            assert run.summary["x"]["max"] == max(values)
    for step in range(5000, 5010):
        run.log({"x": -500.0 - step, "y": 1}, step=step)
        values.append(-500.0 - step)
    run.log({"w": 1})  # joins the row at step 5009 and commits it
    run.log({"x": 7.5}, commit=False)
    run.log({"z": 1})  # commits the row that holds x
    values.append(7.5)
    run.log({"x": 1000.0}, step=6000, commit=True)
    values.append(1000.0)
    want = {"min": min(values), "max": max(values), "first": values[0], "last": 1000.0,
            "mean": pytest.approx(sum(values) / len(values))}
    assert run.summary["x"] == want
    run.finish()
    assert nbrun.Api(store_dir).run(run.id).summary["x"] == want


def test_the_last_write_wins_with_definitions_too(store_dir):
    run = start(store_dir)
    run.define_metric("loss", summary="min")
    run.log({"loss": 2.0})
    run.log({"loss": 1.0})
    run.summary["loss"] = 42  # by hand: stands until the key is logged again
    assert run.summary["loss"] == 42
    run.log({"loss": 3.0})
    assert run.summary["loss"] == {"min": 1.0}
    run.finish()
    assert nbrun.Api(store_dir).run(run.id).summary == {"loss/min": 1.0}


def test_globs_merging_and_overwrite(store_dir):
    run = start(store_dir)
    run.define_metric("train/*", summary="max")
    run.define_metric("train/loss", summary="min")  # its own name beats the glob
    run.define_metric("train/loss", step_metric="epoch")  # merged: min is kept
    replaced = run.define_metric("train/acc", step_metric="epoch", overwrite=True)
    assert replaced.summary is None and replaced.step_sync is True  # on with a step metric
    for i, (loss, acc, lr) in enumerate([(3.0, 0.2, 0.1), (1.0, 0.4, 0.05), (2.0, 0.3, 0.01)]):
        run.log({"train/loss": loss, "train/acc": acc, "train/lr": lr, "epoch": i})
    assert run.summary["train"] == {"loss": {"min": 1.0}, "acc": 0.3, "lr": {"max": 0.1}}
    run.finish()
    stored = nbrun.Api(store_dir).run(run.id).metrics
    assert stored["train/loss"] == {"step_metric": "epoch", "step_sync": True, "hidden": False,
                                    "summary": ["min"], "goal": None}
    assert stored["train/*"]["summary"] == ["max"]


def test_definitions_are_kept_with_the_run_and_carried_over_by_resume(store_dir):
    run = start(store_dir, id="keep")
    run.define_metric("val/*", step_metric="epoch", hidden=True)
    run.define_metric("loss", summary="min")
    run.log({"loss": 2.0})
    run.finish()
    resumed = start(store_dir, id="keep", resume="must")
    resumed.log({"loss": 5.0})
    assert resumed.summary["loss"] == {"min": 5.0}  # the definition came back with the run
    resumed.finish()
    record = nbrun.Api(store_dir).run("keep")
    assert record.metrics["val/*"]["hidden"] is True
    assert record.metrics["val/*"]["step_metric"] == "epoch"


@pytest.mark.parametrize("kwargs, words", [
    ({"name": ""}, "non-empty string"),
    ({"name": "a*b"}, "at the end"),
    ({"name": "x", "summary": "min,median"}, "'median'"),
    ({"name": "x", "goal": "up"}, "'minimize' or 'maximize'"),
    ({"name": "x", "hidden": "yes"}, "hidden must be True, False or None"),
    ({"name": "x", "step_metric": 3}, "step_metric must be"),
])
def test_bad_definitions_are_usage_errors_naming_the_argument(store_dir, kwargs, words):
    run = start(store_dir)
    with pytest.raises(nbrun.UsageError, match=words):
        run.define_metric(**kwargs)
    run.finish()
    assert nbrun.Api(store_dir).run(run.id).metrics == {}
