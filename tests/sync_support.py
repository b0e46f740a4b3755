"""Shared parts of the online-mode tests: one real MLflow server per test session, waiting for a
run to reach it, and the exactly-once comparison of a run's history with what the server holds
(read back with MLflow's own client)."""

from __future__ import annotations

import atexit
import math
import sqlite3
import time
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

from conftest import db_path
from mlflow_server import MlflowServer, start_mlflow

import nbrun
from nbrun.store import Store
from nbrun.store import system as stored_system
from nbrun.sync import status as sync_status
from nbrun.sync import syncer

_server: MlflowServer | None = None


def shared_server(folder: Path) -> MlflowServer:
    """One server for the whole session (about 20 s to start), stopped at exit; tests that
    kill or restart it leave it running on the same port and database."""
    global _server
    if _server is None:
        _server = start_mlflow(folder)
        atexit.register(_server.stop)
    elif _server.proc is None or _server.proc.poll() is not None:
        _server.start()
    return _server


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> MlflowServer:
    return shared_server(tmp_path_factory.mktemp("mlflow"))


@pytest.fixture
def online(server, monkeypatch) -> MlflowServer:
    """Runs are online (``NBRUN_BASE_URL``), and the syncer retries quickly."""
    monkeypatch.setenv("NBRUN_BASE_URL", server.url)
    monkeypatch.setattr(syncer, "MAX_BACKOFF_S", 2.0)
    return server


def status(root, run_id: str) -> dict:
    return sync_status.all_statuses(Store(str(root)))[run_id]


def wait_synced(root, run_id: str, timeout: float = 120.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        st = status(root, run_id)
        if st["synced"]:
            return st
        if time.monotonic() > deadline:
            raise AssertionError(f"run {run_id} not synced after {timeout} s: {st}")
        time.sleep(0.2)


def sync_row(root, run_id: str) -> sqlite3.Row:
    conn = sqlite3.connect(db_path(root))
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT y.* FROM sync y JOIN runs r ON r.rid=y.rid WHERE r.id=?",
                            (run_id,)).fetchone()
    finally:
        conn.close()


def local_points(root, run_id: str) -> dict[str, list[tuple[int, int, float]]]:
    """Every numeric history point of the run as (step, wall ms, value), per key: the time
    log() took it, else its chunk's commit time, else the run's start."""
    conn = sqlite3.connect(db_path(root))
    try:
        rid, created = conn.execute("SELECT rid, created_at FROM runs WHERE id=?",
                                    (run_id,)).fetchone()
        rows = conn.execute("SELECT key, kind, steps, vals, wall, walls FROM series WHERE rid=? "
                            "AND rewound=0 ORDER BY rowid", (rid,)).fetchall()
    finally:
        conn.close()
    from nbrun.store import series

    out: dict[str, list] = {}
    for key, kind, steps_blob, vals_blob, wall, walls_blob in rows:
        ms = wall if wall is not None else int(created * 1000)
        points = list(series.iter_points(kind, steps_blob, vals_blob))
        walls = series.decode_walls(walls_blob) or [math.nan] * len(points)
        for (step, value), t in zip(points, walls):
            if isinstance(value, (int, float)):
                out.setdefault(key, []).append((step, ms if math.isnan(t) else int(t * 1000),
                                                float(value)))
    return out


def same_value(local: float, remote: float) -> bool:
    if math.isnan(local):
        return math.isnan(remote)
    if math.isinf(local):  # MLflow keeps an infinity as the largest float of its sign
        return remote == math.copysign(1.7976931348623157e308, local)
    return local == remote


def assert_history_exactly_once(server_url: str, root, run_id: str,
                                key_map: dict[str, str] | None = None) -> int:
    """Every local point is on the server once, unaltered, and nothing else is (the system
    metrics included); returns the number of history points compared."""
    client = MlflowClient(server_url)
    st = status(root, run_id)
    remote_run = client.get_run(st["server_run_id"])
    local = local_points(root, run_id)
    key_map = key_map or {}
    count = 0
    remote_keys = set(remote_run.data.metrics)
    for key, points in local.items():
        mkey = key_map.get(key, key)
        history = client.get_metric_history(st["server_run_id"], mkey)
        remote = sorted((m.step, m.timestamp, m.value) for m in history)
        mine = sorted(points)
        assert len(remote) == len(mine), (key, len(remote), len(mine))
        for (s1, t1, v1), (s2, t2, v2) in zip(mine, remote):
            assert (s1, t1) == (s2, t2) and same_value(v1, v2), (key, (s1, t1, v1), (s2, t2, v2))
        count += len(mine)
        remote_keys.discard(mkey)
    # The run's system metrics too (not counted: the count is the history's points).
    assert_system_exactly_once(client, root, run_id, st["server_run_id"], remote_keys)
    summary_only = set(nbrun.Api(str(root)).run(run_id).summary) - set(local)
    assert remote_keys <= {key_map.get(k, k) for k in summary_only}, remote_keys
    return count


def assert_system_exactly_once(client: MlflowClient, root, run_id: str, server_run_id: str,
                               remote_keys: set[str]) -> int:
    """Every system-metric sample of the run is on the server once, under its own name, at its
    number as the step and its time; the keys compared are taken out of ``remote_keys``."""
    store = Store(str(root))
    samples = stored_system.read(store, store.get(run_id).rid)
    local: dict[str, list[tuple[int, int, float]]] = {}
    for seq, at, values in samples:
        for key, value in values.items():
            local.setdefault(key, []).append((seq, int(at * 1000), value))
    for key, points in local.items():
        remote = sorted((m.step, m.timestamp, m.value)
                        for m in client.get_metric_history(server_run_id, key))
        assert remote == sorted(points), (key, remote, points)
        remote_keys.discard(key)
    return sum(map(len, local.values()))
