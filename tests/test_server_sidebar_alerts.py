"""What the sidebar needs for issue 22 points 3 and 4, on a real Jupyter server: a history key
with a step metric comes with that metric's value per point (its x), the runs listing marks a
run that has alerts, and ``GET /alerts`` gives the alerts recorded after a time (notifications).
Fixtures: see test_server.py."""

from __future__ import annotations

import time

from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures, local to this module)

from test_server import (  # noqa: F401  (helpers and fixtures)
    jp_asyncio_loop, jp_server_config, make_run, outside, rest)


def test_history_gives_a_keys_step_metric_values_per_point(rest, jp_root_dir):
    run = make_run(jp_root_dir, id="epochs", finish=False)
    run.define_metric("val/acc", step_metric="epoch")
    run.define_metric("val/loss", step_metric="epoch", step_sync=False)
    for epoch in range(3):
        for _ in range(4):
            run.log({"loss": 1.0})  # steps between the epochs' rows
        run.log({"epoch": epoch * 10, "val/acc": 0.5 + epoch / 10})
        run.log({"val/loss": 2.0 - epoch})  # a row of its own: no epoch at its step
    run.finish()
    reply = rest("runs", "epochs", "history",
                 params=[("keys", "val/acc"), ("keys", "val/loss"), ("keys", "loss")])["keys"]
    assert reply["val/acc"]["steps"] == [4, 10, 16]
    assert reply["val/acc"]["x"] == [0, 10, 20]
    # Without step_sync a point whose row has no epoch has no x.
    assert reply["val/loss"]["x"] == [None, None, None]
    assert "x" not in reply["loss"]
    # A live poll's new points get theirs too.
    later = rest("runs", "epochs", "history",
                 params={"keys": "val/acc", "since_step": "5"})["keys"]
    assert (later["val/acc"]["steps"], later["val/acc"]["x"]) == ([10, 16], [10, 20])


def test_step_sync_takes_the_latest_value_before_the_point(rest, jp_root_dir):
    run = make_run(jp_root_dir, id="synced", finish=False)
    run.define_metric("train/*", step_metric="epoch", step_sync=True)
    run.log({"epoch": 1})
    run.log({"train/loss": 0.5})
    run.log({"train/loss": 0.4})
    run.finish()
    series = rest("runs", "synced", "history", params={"keys": "train/loss"})["keys"]
    assert series["train/loss"]["x"] == [1, 1]


def test_the_listing_marks_runs_with_alerts(rest, jp_root_dir):
    quiet = make_run(jp_root_dir, id="quiet")
    loud = make_run(jp_root_dir, id="loud", finish=False)
    loud.alert("first", "a note", level="INFO")
    loud.alert("second", "it diverged", level="ERROR")
    loud.finish()
    runs = {r["id"]: r for r in rest("runs")["runs"]}
    assert (runs["loud"]["alert_count"], runs["loud"]["alert_level"]) == (2, "ERROR")
    assert (runs["quiet"]["alert_count"], runs["quiet"]["alert_level"]) == (0, None)
    assert quiet.id == "quiet"


def test_alerts_after_a_time_are_listed_for_notifications(rest, jp_root_dir):
    old = make_run(jp_root_dir, id="old", finish=False)
    old.alert("before", "already there", level="WARN")
    first = rest("alerts")
    assert first["alerts"] == []  # the first call only tells the time to ask after
    after = first["now"]
    assert rest("alerts", params={"after": str(after)})["alerts"] == []
    time.sleep(0.01)
    old.alert("after", "new one", level="ERROR")
    old.finish()
    [alert] = rest("alerts", params={"after": str(after)})["alerts"]
    assert (alert["id"], alert["title"], alert["text"], alert["level"]) == (
        "old", "after", "new one", "ERROR")
    assert alert["time"] > after and alert["store"]
    reply = rest("alerts", params={"after": "soon"}, expect=400)
    assert "after='soon' is not a time" in reply["message"]
