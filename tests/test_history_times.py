"""Wall times in the history endpoint (issue 13: a chart's x axis by relative or wall time), on
a real store through the service layer the handler calls: each point carries the commit time
of the chunk that stored it, through downsampling and ``since_step``, and null where the
store has no time (chunks written before schema 4)."""

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
    service, the run's id, the store's folder, and the time before each batch."""
    root = tmp_path_factory.mktemp("times")
    run = nbrun.init(dir=str(root), project="p", name="timed", mode="offline")
    starts = []
    for batch in range(BATCHES):
        starts.append(time.time())
        for i in range(PER_BATCH):
            step = batch * PER_BATCH + i
            run.log({"loss": 1.0 / (step + 1), "spike": float(step == 10)}, step=step)
        time.sleep(1.5)
    run.finish()
    service = Service(StoreRegistry(str(root), NbrunServerConfig(cache_seconds=0)))
    return service, run.id, root, starts


def history(service: Service, run_id: str, **query: str) -> dict:
    query.setdefault("points", "5000")  # the whole series unless a test downsamples
    return service.run_history(run_id, {k: [v.encode()] for k, v in query.items()})


def test_times_are_asked_for_and_each_point_has_its_chunks_commit_time(timed):
    service, run_id, _, starts = timed
    plain = history(service, run_id, keys="loss")["keys"]["loss"]
    assert set(plain) == {"steps", "values"}  # no times unless asked for: same bytes as before
    loss = history(service, run_id, keys="loss", times="true")["keys"]["loss"]
    assert loss["steps"] == plain["steps"] and loss["values"] == plain["values"]
    walls = loss["walls"]
    assert len(walls) == len(loss["steps"]) == BATCHES * PER_BATCH
    by_batch = [walls[b * PER_BATCH:(b + 1) * PER_BATCH] for b in range(BATCHES)]
    for batch, (times, start) in enumerate(zip(by_batch, starts)):
        # committed after the batch began, and soon after it ended (the writer commits a
        # few times a second; a busy machine delays it): a batch may span two commits, and
        # no time is interpolated, so a batch holds a few distinct times only
        end = (starts[batch + 1] if batch + 1 < BATCHES else time.time()) + 1.0
        assert all(start <= t <= end for t in times), (batch, start, end, sorted(set(times)))
        assert len(set(times)) <= 3
    assert walls == sorted(walls) and max(by_batch[0]) < max(by_batch[1]) < max(by_batch[2])


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


def test_chunks_without_a_time_give_null(timed, tmp_path):
    """A store written before schema 4 has NULL in ``series.wall``; an older writer is not
    at hand, so the column is cleared on a copy of the store to stand for one."""
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
    dst.execute("UPDATE series SET wall=NULL WHERE key='loss' AND step_lo=?", (lo,))
    dst.commit()
    dst.close()
    old = Service(StoreRegistry(str(copy), NbrunServerConfig(cache_seconds=0)))
    loss = history(old, run_id, keys="loss", times="1")["keys"]["loss"]
    timeless = [s for s, w in zip(loss["steps"], loss["walls"]) if w is None]
    assert timeless == list(range(lo, hi + 1))  # that chunk's points only
