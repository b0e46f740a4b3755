"""Issue 22 points 3 and 4 on the server's run endpoint (a real Jupyter server): a run's
define_metric() definitions, how each history key is charted (its step metric, hidden), and its
alerts, for the sidebar. Fixtures: see test_server.py."""

from __future__ import annotations

from pytest_jupyter.jupyter_server import *  # noqa: F403  (fixtures, local to this module)

from test_server import (  # noqa: F401  (helpers and fixtures)
    jp_asyncio_loop, jp_server_config, make_run, outside, rest)


def test_run_detail_has_definitions_charts_and_alerts(rest, jp_root_dir):
    run = make_run(jp_root_dir, id="defs", finish=False)
    run.define_metric("val/*", step_metric="epoch")
    run.define_metric("lr", hidden=True)
    run.define_metric("loss", summary="min")
    for epoch in range(2):
        run.log({"loss": 1.0 / (epoch + 1), "lr": 0.1, "epoch": epoch, "val/acc": 0.5})
    run.alert("slow", "epoch took long", level="WARN")
    run.finish()
    reply = rest("runs", "defs")
    assert reply["metrics"]["val/*"] == {"step_metric": "epoch", "step_sync": True,
                                         "hidden": False, "summary": [], "goal": None}
    assert reply["charts"] == {
        "val/acc": {"step_metric": "epoch", "step_sync": True, "hidden": False},
        "lr": {"step_metric": None, "step_sync": False, "hidden": True}}
    assert reply["summary"]["loss/min"] == 0.5
    assert reply["alerts_total"] == 1
    [alert] = reply["alerts"]
    assert (alert["title"], alert["text"], alert["level"], alert["step"]) == (
        "slow", "epoch took long", "WARN", 1)


def test_a_run_without_either_has_empty_ones(rest, jp_root_dir):
    make_run(jp_root_dir, id="bare", log=[{"x": 1}])
    reply = rest("runs", "bare")
    assert (reply["metrics"], reply["charts"], reply["alerts"], reply["alerts_total"]) == (
        {}, {}, [], 0)
