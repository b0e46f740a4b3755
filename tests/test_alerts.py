"""Issue 22 point 4: ``run.alert()`` and ``nbrun.AlertLevel``: kept with the run (time, step,
level) in the store's alerts table, held back per title by ``wait_duration``, read through
``Api``, printed on stderr in a script, and refused clearly when its arguments are wrong."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta

import pytest

import nbrun
from conftest import db_path, run_python
from nbrun.store import schema
from test_schema import make_v1_store


def test_alerts_are_kept_with_time_step_and_level(store_dir):
    before = time.time()
    run = nbrun.init(dir=store_dir, mode="offline", project="p")
    run.alert("starting", "no steps yet")
    for i in range(5):
        run.log({"loss": 1.0 / (i + 1)})
    run.alert("loss is low", "loss 0.2 at step 4", level=nbrun.AlertLevel.WARN)
    run.log({"loss": 0.1}, commit=False)
    run.alert("pending", "a row is open at step 5", level="ERROR", wait_duration=0)
    run.finish()
    alerts = nbrun.Api(store_dir).run(run.id).alerts()
    assert [(a["title"], a["level"], a["step"], a["text"]) for a in alerts] == [
        ("starting", "INFO", None, "no steps yet"),
        ("loss is low", "WARN", 4, "loss 0.2 at step 4"),
        ("pending", "ERROR", 5, "a row is open at step 5")]
    assert all(before <= a["time"] <= time.time() for a in alerts)
    assert nbrun.AlertLevel.WARN == "WARN" and nbrun.AlertLevel("ERROR") is nbrun.AlertLevel.ERROR


def test_alerts_of_one_title_are_held_back_for_wait_duration(store_dir):
    run = nbrun.init(dir=store_dir, mode="offline", project="p")
    for _ in range(3):  # the default wait is one minute: only the first of these is kept
        run.alert("diverging", "loss is nan")
    run.alert("other title", "kept: another title", wait_duration=timedelta(minutes=5))
    run.alert("quick", "first", wait_duration=0.2)
    run.alert("quick", "held back", wait_duration=0.2)
    time.sleep(0.3)
    run.alert("quick", "after the wait", wait_duration=0.2)
    run.finish()
    kept = [(a["title"], a["text"], a["suppressed"])
            for a in nbrun.Api(store_dir).run(run.id).alerts()]
    assert kept == [("diverging", "loss is nan", 0), ("other title", "kept: another title", 0),
                    ("quick", "first", 0), ("quick", "after the wait", 1)]


@pytest.mark.parametrize("kwargs, words", [
    ({"title": "", "text": "x"}, "title must be a string of 1 to 64"),
    ({"title": "t" * 65, "text": "x"}, "title must be a string of 1 to 64"),
    ({"title": "t", "text": 3}, "text must be a string"),
    ({"title": "t", "text": "x", "level": "FATAL"}, "level must be nbrun.AlertLevel"),
    ({"title": "t", "text": "x", "wait_duration": "1m"}, "wait_duration must be seconds"),
    ({"title": "t", "text": "x", "wait_duration": -1}, "must not be negative"),
])
def test_bad_alert_arguments_are_usage_errors(store_dir, kwargs, words):
    run = nbrun.init(dir=store_dir, mode="offline", project="p")
    with pytest.raises(nbrun.UsageError, match=words):
        run.alert(**kwargs)
    run.finish()
    with pytest.raises(nbrun.UsageError, match="is finished"):
        run.alert("late", "after finish")
    assert nbrun.Api(store_dir).run(run.id).alerts() == []


def test_an_alert_in_a_script_is_printed_on_stderr(tmp_path):
    proc = run_python("""
        import nbrun
        run = nbrun.init(project="p", mode="offline", name="scripted", id="s1")
        run.log({"loss": 9.0})
        run.alert("Loss too high", "loss 9.0 > 1.0", level=nbrun.AlertLevel.ERROR)
        run.finish()
        """, cwd=tmp_path, env={"NBRUN_DIR": str(tmp_path)})
    assert "nbrun: ERROR: Loss too high: loss 9.0 > 1.0 (run scripted s1, step 0)" in proc.stderr
    assert nbrun.Api(tmp_path).run("s1").alerts()[0]["title"] == "Loss too high"


def test_stores_of_earlier_versions_get_the_alerts_table(tmp_path):
    make_v1_store(tmp_path)
    record = nbrun.Api(tmp_path).run("old1")
    assert record.alerts() == [] and record.metrics == {}
    conn = sqlite3.connect(db_path(tmp_path))
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert "alerts" in tables and schema.SCHEMA_VERSION >= 9
    run = nbrun.init(dir=tmp_path, mode="offline", project="p")
    run.alert("works", "on a migrated store")
    run.finish()
    assert nbrun.Api(tmp_path).run(run.id).alerts()[0]["text"] == "on a migrated store"


def test_deleting_or_replacing_a_run_drops_its_alerts(store_dir):
    run = nbrun.init(dir=store_dir, mode="offline", project="p", id="same")
    run.alert("old", "of the first run with this id")
    run.finish()
    again = nbrun.init(dir=store_dir, mode="offline", project="p", id="same")  # replaces it
    again.finish()
    assert nbrun.Api(store_dir).run("same").alerts() == []
