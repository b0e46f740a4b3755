"""Run: log, config, summary, tags, finish, the context manager and the module-level names."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nbrun


@pytest.fixture
def run(store_dir):
    return nbrun.init(dir=store_dir, mode="offline", project="p", config={"lr": 0.1})


def stored(store_dir, run):
    return nbrun.Api(store_dir).run(run.id)


def test_log_advances_the_step_and_keeps_rows(store_dir, run):
    run.log({"loss": 0.5, "acc": 0.1})
    run.log({"loss": 0.4})
    assert run.step == 2
    run.finish()
    assert stored(store_dir, run).history() == [
        {"_step": 0, "loss": 0.5, "acc": 0.1}, {"_step": 1, "loss": 0.4}]


def test_commit_false_accumulates_into_the_current_step(store_dir, run):
    run.log({"a": 1}, commit=False)
    run.log({"b": 2}, commit=False)
    assert run.step == 0
    run.log({"c": 3})
    run.log({"d": 4})
    run.finish()
    assert stored(store_dir, run).history() == [{"_step": 0, "a": 1, "b": 2, "c": 3},
                                                 {"_step": 1, "d": 4}]


def test_explicit_steps(store_dir, run):
    run.log({"a": 1}, step=5)
    run.log({"b": 2}, step=5)          # same step: merged
    run.log({"c": 3}, step=7)          # higher step: 5 is committed
    with pytest.warns(UserWarning, match="step 6 is lower than the current step 7"):
        run.log({"dropped": 1}, step=6)
    run.log({"d": 4}, step=7, commit=True)
    assert run.step == 8
    run.log({"e": 5})
    run.finish()
    assert stored(store_dir, run).history() == [
        {"_step": 5, "a": 1, "b": 2}, {"_step": 7, "c": 3, "d": 4}, {"_step": 8, "e": 5}]


def test_nested_numpy_nan_inf_and_types(store_dir, run):
    run.log({"train": {"loss": np.float32(0.25), "inner": {"x": np.int64(7)}},
             "nan": float("nan"), "inf": float("inf"), "ninf": -math.inf, "flag": True,
             "label": "cat", "zero_d": np.array(1.5)})
    run.finish()
    row = stored(store_dir, run).history()[0]
    assert row["train/loss"] == 0.25 and row["train/inner/x"] == 7
    assert type(row["train/inner/x"]) is int
    assert math.isnan(row["nan"]) and row["inf"] == math.inf and row["ninf"] == -math.inf
    assert row["flag"] is True and row["label"] == "cat" and row["zero_d"] == 1.5
    summary = stored(store_dir, run).summary
    assert math.isnan(summary["nan"]) and summary["train/loss"] == 0.25


def test_log_refuses_bad_input_clearly(run):
    with pytest.raises(nbrun.UsageError, match="data must be a dict"):
        run.log([1, 2])
    with pytest.raises(nbrun.UsageError, match="keys must be non-empty strings"):
        run.log({1: 2})
    with pytest.raises(nbrun.UsageError, match="'w'.*array of shape"):
        run.log({"w": np.arange(3)})
    with pytest.raises(nbrun.UsageError, match="'o'.*type object"):
        run.log({"o": object()})
    with pytest.raises(nbrun.UsageError, match="step must be a non-negative integer"):
        run.log({"a": 1}, step=-1)
    with pytest.raises(nbrun.UsageError, match="'_step' is reserved"):
        run.log({"_step": 3})
    with pytest.raises(nbrun.UsageError, match="commit must be"):
        run.log({"a": 1}, commit="yes")


def test_the_fast_path_still_validates_new_keys(run):
    run.log({"a": 1.0})
    with pytest.raises(nbrun.UsageError):
        run.log({"": 1.0})
    with pytest.raises(nbrun.UsageError):
        run.log({"_step": 1.0})


def test_logged_dicts_are_copied(store_dir, run):
    metrics = {"loss": 1.0}
    run.log(metrics)
    metrics["loss"] = 2.0
    run.log(metrics)
    run.finish()
    assert [r["loss"] for r in stored(store_dir, run).history()] == [1.0, 2.0]


def test_summary_holds_each_keys_last_write_logged_or_set_by_hand(store_dir, run):
    # As the contract's tracker: a value set by hand stands until the key is logged again.
    run.log({"loss": 3.0, "acc": 0.1})
    run.log({"loss": 1.0})
    run.summary["acc"] = 0.9
    run.summary.best = 0.95
    assert run.summary["acc"] == 0.9
    run.log({"acc": 0.2})
    assert run.summary["loss"] == 1.0 and run.summary["acc"] == 0.2
    for _ in range(3):  # the same shape again: log()'s fast path, which never touches the summary
        run.log({"acc": 0.3})
    run.summary["acc"] = 0.99
    assert run.summary["acc"] == 0.99
    run.finish()
    assert stored(store_dir, run).summary == {"loss": 1.0, "acc": 0.99, "best": 0.95}


def test_config_access_and_update(store_dir, run):
    run.config.update({"epochs": 3, "model": {"depth": 2}})
    run.config["batch"] = 32
    run.config.dropout = 0.5
    assert run.config.epochs == 3 and run.config["model"] == {"depth": 2}
    assert "batch" in run.config and len(run.config) == 5
    with pytest.raises(nbrun.ConfigError, match="'lr'"):
        run.config.update({"lr": 0.2})
    run.config.update({"lr": 0.2}, allow_val_change=True)
    with pytest.raises(AttributeError):
        run.config.missing
    with pytest.raises(nbrun.UsageError, match="'a.b'"):
        run.config["a.b"] = 1
    run.finish()
    assert stored(store_dir, run).config == {"lr": 0.2, "epochs": 3, "model": {"depth": 2},
                                             "batch": 32, "dropout": 0.5}


def test_tags_can_be_assigned_and_extended(store_dir, run):
    run.tags = ["a"]
    run.tags += ("b",)
    assert run.tags == ("a", "b")
    with pytest.raises(nbrun.UsageError):
        run.tags = 5
    run.tags = [*run.tags, "c"]
    run.finish()
    assert stored(store_dir, run).tags == ("a", "b", "c")


def test_finish_with_exit_codes(store_dir):
    ok = nbrun.init(dir=store_dir, mode="offline")
    ok.finish()
    ok.finish()  # idempotent
    bad = nbrun.init(dir=store_dir, mode="offline")
    bad.finish(exit_code=3)
    assert (ok.state, bad.state) == ("finished", "failed")
    assert stored(store_dir, bad).exit_code == 3 and stored(store_dir, bad).state == "failed"
    with pytest.raises(nbrun.UsageError, match="log: run .* is finished"):
        ok.log({"a": 1})


def test_context_manager_marks_failed_and_reraises(store_dir):
    with pytest.raises(ZeroDivisionError):
        with nbrun.init(dir=store_dir, mode="offline") as run:
            run.log({"a": 1})
            1 / 0
    assert stored(store_dir, run).state == "failed"
    with nbrun.init(dir=store_dir, mode="offline") as good:
        good.log({"a": 1})
    assert stored(store_dir, good).state == "finished"


def test_module_level_names_follow_the_global_run(store_dir):
    assert nbrun.run is None and nbrun.config is None and nbrun.summary is None
    with pytest.raises(nbrun.UsageError, match="no active run"):
        nbrun.log({"a": 1})
    run = nbrun.init(dir=store_dir, mode="offline", config={"k": 1})
    assert nbrun.run is run and nbrun.config["k"] == 1
    nbrun.log({"a": 1})
    nbrun.log({"a": 2}, step=4)
    nbrun.summary["extra"] = 1
    nbrun.finish()
    assert nbrun.run is None
    record = stored(store_dir, run)
    assert [r["_step"] for r in record.history()] == [0, 4] and record.summary["extra"] == 1
    assert record.summary["a"] == 2  # step 4 was pending, and finish committed it
    assert record.last_step == 4


def test_reinit_modes_choose_the_global_run(store_dir):
    first = nbrun.init(dir=store_dir, mode="offline")
    with pytest.warns(UserWarning, match="not applied: dir, mode, name"):
        same = nbrun.init(dir=store_dir, mode="offline", name="ignored")
    assert same is first
    other = nbrun.init(dir=store_dir, mode="offline", reinit="create_new")
    assert nbrun.run is first and other is not first and other.state == "running"
    with pytest.raises(nbrun.UsageError, match="already an active run"):
        nbrun.init(dir=store_dir, mode="offline", reinit="create_new", id=other.id)
    fresh = nbrun.init(dir=store_dir, mode="offline", reinit="finish_previous")
    assert nbrun.run is fresh and first.state == other.state == "finished"
    with pytest.warns(DeprecationWarning, match="reinit='finish_previous'"):
        newer = nbrun.init(dir=store_dir, mode="offline", reinit=True)
    assert fresh.state == "finished" and nbrun.run is newer


def test_unfinished_runs_are_finished_at_exit(tmp_path):
    from conftest import run_python

    run_python(f"""
        import nbrun
        run = nbrun.init(dir={str(tmp_path)!r}, mode='offline', id='atexit1')
        run.log({{'a': 1}})
    """)
    run_python(f"""
        import nbrun
        run = nbrun.init(dir={str(tmp_path)!r}, mode='offline', id='atexit2')
        raise ValueError('boom')
    """, check=False)
    api = nbrun.Api(tmp_path)
    assert api.run("atexit1").state == "finished"
    assert api.run("atexit1").history() == [{"_step": 0, "a": 1}]
    assert api.run("atexit2").state == "failed"
