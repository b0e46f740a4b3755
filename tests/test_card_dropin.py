"""Issue 22 points 3 and 4 on the run card, in a real kernel: a key defined with a step metric is
charted against it (``step_sync`` filling in its latest value where a row lacks it), a hidden key
is not charted, and the run's alerts are shown."""

from __future__ import annotations

import json

import pytest

from notebook_kernel import Kernel

CELL = """
import json, time
import nbrun
from nbrun.notebook.card import RunCard
run = nbrun.init(project="p", mode="offline")
run.define_metric("val/*", step_metric="epoch")
run.define_metric("secret", hidden=True)
card = RunCard(run)
sent = []
real_send = card.send
card.send = lambda msg, buffers=None: (sent.append(json.loads(json.dumps(msg))),
                                       real_send(msg, buffers))
for epoch in range(3):
    for i in range(4):
        run.log({"loss": 1.0 / (4 * epoch + i + 1), "secret": i})
    run.log({"epoch": epoch, "val/loss": 1.0 / (epoch + 1)})
    run.log({"val/acc": 0.5 + epoch / 10})  # no epoch in this row: its latest one is used
    time.sleep(1.2)
run.alert("done", "three epochs", level=nbrun.AlertLevel.WARN)
time.sleep(1.2)
run.finish()
card._feeder.join(5)
"""


@pytest.fixture
def kernel(tmp_path, monkeypatch):
    monkeypatch.setenv("NBRUN_DIR", str(tmp_path / "store"))  # the kernel inherits it
    with Kernel(tmp_path) as k:
        yield k


def test_the_card_charts_against_step_metrics_hides_hidden_keys_and_lists_alerts(kernel):
    kernel.run(CELL)
    result = json.loads(kernel.text(
        "print(json.dumps({'sent': sent, 'axes': card.axes, 'alerts': card.alerts}))"))
    points: dict[str, list] = {}
    for message in result["sent"]:
        for key, series in message["series"].items():
            points.setdefault(key, []).extend(p for p in series if p[0] != "halve")
    assert "secret" not in points  # hidden
    assert result["axes"] == {"val/loss": "epoch", "val/acc": "epoch"}
    assert points["val/loss"] == [[0, 1.0], [1, 0.5], [2, 1 / 3]]
    assert [p[0] for p in points["val/acc"]] == [0, 1, 2]  # the epoch of the row before
    assert [p[0] for p in points["loss"]][:4] == [0, 1, 2, 3]  # others: against the step
    assert [(a["title"], a["level"], a["text"]) for a in result["alerts"]] == [
        ("done", "WARN", "three epochs")]
