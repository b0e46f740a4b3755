"""Wall times in the history endpoint (issue 13: a chart's x axis by relative or wall time), on
a real store through the service layer the handler calls: each point carries the time it was
logged (issue 19: no longer its chunk's commit time), through downsampling and ``since_step``;
a chunk written before schema 6 gives its commit time, and null where the store has no time
(chunks written before schema 4)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

import nbrun
from nbrun.server import downsample
from nbrun.server.config import NbrunServerConfig
from nbrun.server.registry import StoreRegistry
from nbrun.server.service import Service

BATCHES = 3
PER_BATCH = 400


@pytest.fixture(scope="module")
def timed(tmp_path_factory) -> tuple[Service, str, Path, list[float]]:
    """A run logged in three batches 1.5 s apart (each in one or two commits); the
    service, the run's id, the store's folder, and the times before and after each batch."""
    root = tmp_path_factory.mktemp("times")
    run = nbrun.init(dir=str(root), project="p", name="timed", mode="offline")
    starts = []
    for batch in range(BATCHES):
        starts.append(time.time())
        for i in range(PER_BATCH):
            step = batch * PER_BATCH + i
            run.log({"loss": 1.0 / (step + 1), "spike": float(step == 10)}, step=step)
            if i == PER_BATCH // 2:
                time.sleep(0.05)  # a pause inside the batch, which its times must show
        starts.append(time.time())
        time.sleep(1.5)
    run.finish()
    service = Service(StoreRegistry(str(root), NbrunServerConfig(cache_seconds=0)))
    return service, run.id, root, starts


def history(service: Service, run_id: str, **query: str) -> dict:
    query.setdefault("points", "5000")  # the whole series unless a test downsamples
    return service.run_history(run_id, {k: [v.encode()] for k, v in query.items()})


def test_times_are_asked_for_and_each_point_has_the_time_it_was_logged(timed):
    service, run_id, _, bounds = timed
    plain = history(service, run_id, keys="loss")["keys"]["loss"]
    assert set(plain) == {"steps", "values"}  # no times unless asked for: same bytes as before
    loss = history(service, run_id, keys="loss", times="true")["keys"]["loss"]
    assert loss["steps"] == plain["steps"] and loss["values"] == plain["values"]
    walls = loss["walls"]
    assert len(walls) == len(loss["steps"]) == BATCHES * PER_BATCH
    by_batch = [walls[b * PER_BATCH:(b + 1) * PER_BATCH] for b in range(BATCHES)]
    for batch, times in enumerate(by_batch):
        # logged while its loop ran, whatever the writer's commits (a few a second): every
        # point has its own time, not one per commit (issue 19's staircase)
        start, end = bounds[2 * batch], bounds[2 * batch + 1]
        assert all(start <= t <= end for t in times), (batch, start, end, times[:3])
        assert len(set(times)) > PER_BATCH // 2
        half = PER_BATCH // 2
        assert times[half + 1] - times[half] >= 0.05  # the pause after that step's log()
    assert walls == sorted(walls)


@pytest.mark.parametrize("numpy", [True, False])
def test_downsampled_points_keep_their_own_times(timed, numpy, monkeypatch):
    if not numpy:  # numpy is optional at runtime: the pure-Python path picks the same
        monkeypatch.setattr(downsample, "np", None)
    service, run_id, _, _ = timed
    whole = history(service, run_id, keys="spike", times="1")["keys"]["spike"]
    time_of = dict(zip(whole["steps"], whole["walls"]))
    small = history(service, run_id, keys="spike", times="1", points="10")["keys"]["spike"]
    assert len(small["steps"]) <= 10 and 10 in small["steps"]  # the spike survives
    assert small["walls"] == [time_of[s] for s in small["steps"]]


def test_since_step_gives_the_new_points_times(timed):
    service, run_id, _, _ = timed
    whole = history(service, run_id, keys="loss", times="1")["keys"]["loss"]
    newer = history(service, run_id, keys="loss", times="1", since_step=str(PER_BATCH + 5))
    newer = newer["keys"]["loss"]
    assert newer["steps"][0] == PER_BATCH + 6
    assert newer["walls"] == whole["walls"][PER_BATCH + 6:]


def test_chunks_without_a_time_give_their_commit_time_or_null(timed, tmp_path):
    """A store written before schema 6 has NULL in ``series.walls`` (each point then has its
    chunk's commit time), before schema 4 NULL in ``series.wall`` too; an older writer is not
    at hand, so the columns are cleared on a copy of the store to stand for one."""
    service, run_id, root, _ = timed
    copy = tmp_path / "old"
    copy.mkdir()
    (copy / ".nbrun").mkdir()
    src = sqlite3.connect(root / ".nbrun" / "nbrun.db")
    dst = sqlite3.connect(copy / ".nbrun" / "nbrun.db")
    src.backup(dst)
    src.close()
    lo, hi = dst.execute("SELECT step_lo, step_hi FROM series WHERE key='loss' AND "
                         "step_lo <= ? AND step_hi >= ?", (PER_BATCH, PER_BATCH)).fetchone()
    dst.execute("UPDATE series SET wall=NULL, walls=NULL WHERE key='loss' AND step_lo=?",
                (lo,))
    lo5, hi5, wall = dst.execute("SELECT step_lo, step_hi, wall FROM series WHERE key='loss' "
                                 "AND step_lo > ? ORDER BY step_lo", (hi,)).fetchone()
    dst.execute("UPDATE series SET walls=NULL WHERE key='loss' AND step_lo=?", (lo5,))
    dst.commit()
    dst.close()
    old = Service(StoreRegistry(str(copy), NbrunServerConfig(cache_seconds=0)))
    loss = history(old, run_id, keys="loss", times="1")["keys"]["loss"]
    timeless = [s for s, w in zip(loss["steps"], loss["walls"]) if w is None]
    assert timeless == list(range(lo, hi + 1))  # that chunk's points only
    committed = [s for s, w in zip(loss["steps"], loss["walls"]) if w == wall / 1000]
    assert committed == list(range(lo5, hi5 + 1))
