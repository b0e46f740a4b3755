"""A key's last, min and max with the step each was reached (issue 23 point 4: the compare
view's metric table, as MLflow's run page shows them), from the history endpoint on a real
store through the service layer its handler calls: over every stored point (not the
downsampled ones), first step where a value is reached, text and NaN left out, with and
without numpy."""

from __future__ import annotations

import math

import pytest

import nbrun
from nbrun.server import downsample
from nbrun.server.config import NbrunServerConfig
from nbrun.server.registry import StoreRegistry
from nbrun.server.service import Service

STEPS = 3000


@pytest.fixture(scope="module")
def logged(tmp_path_factory) -> tuple[Service, str]:
    root = tmp_path_factory.mktemp("stats")
    run = nbrun.init(dir=str(root), project="p", name="stats", mode="offline")
    for step in range(STEPS):
        # a dip at step 1234 (min), a peak at 2001 and again at 2500 (the first counts)
        acc = 0.5 + (0.4 if step in (2001, 2500) else 0.0) - (0.3 if step == 1234 else 0.0)
        run.log({"acc": acc, "loss": math.nan if step == 7 else 1.0 / (step + 1),
                 "count": step % 97}, step=step)
    run.log({"mixed": "warmup"}, step=STEPS)
    run.log({"mixed": 2.5}, step=STEPS + 1)
    run.finish()
    return Service(StoreRegistry(str(root), NbrunServerConfig(cache_seconds=0))), run.id


def stats(service: Service, run_id: str, keys: str, **query: str) -> dict:
    query = {"keys": keys, "points": "50", "stats": "true", **query}
    return service.run_history(run_id, {k: [v.encode()] for k, v in query.items()})


@pytest.fixture(params=["numpy", "plain"])
def numpy_or_not(request, monkeypatch):
    if request.param == "plain":
        monkeypatch.setattr(downsample, "np", None)  # the install without numpy
    return request.param


def test_stats_give_last_min_and_max_with_their_steps(logged, numpy_or_not):
    service, run_id = logged
    out = stats(service, run_id, "acc")
    assert len(out["keys"]["acc"]["steps"]) <= 50  # the chart's points stay downsampled
    acc = out["stats"]["acc"]
    assert acc == {"last": 0.5, "last_step": STEPS - 1, "min": pytest.approx(0.2),
                   "min_step": 1234, "max": pytest.approx(0.9), "max_step": 2001,
                   "count": STEPS}
    # only when asked for: a chart's poll pays nothing for it
    assert "stats" not in service.run_history(run_id, {"keys": [b"acc"]})


def test_nan_and_text_points_are_left_out_and_ints_stay_ints(logged, numpy_or_not):
    service, run_id = logged
    out = stats(service, run_id, "loss")["stats"]["loss"]
    assert out["min_step"] == STEPS - 1 and out["max_step"] == 0 and out["max"] == 1.0
    assert out["count"] == STEPS - 1  # the NaN at step 7 is not a value
    count = stats(service, run_id, "count")["stats"]["count"]
    assert (count["min"], count["min_step"], count["max"], count["max_step"]) == (0, 0, 96, 96)
    assert isinstance(count["max"], int)
    mixed = stats(service, run_id, "mixed")["stats"]["mixed"]
    assert mixed["count"] == 1 and mixed["min"] == mixed["max"] == 2.5
