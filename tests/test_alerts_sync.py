"""Issue 22 point 4, online: a run's alerts reach a real MLflow tracking server as the run
artifact ``nbrun/alerts.json`` (MLflow has no alerts of its own), read back with MLflow's own
client, and the artifact follows alerts added while the run goes on."""

from __future__ import annotations

import json
import time

import pytest
from mlflow.tracking import MlflowClient

import nbrun
import sync_support
from nbrun.sync import syncer
from sync_support import wait_synced

pytestmark = pytest.mark.slow

server, online = sync_support.server, sync_support.online


def _alerts_on_server(client: MlflowClient, run_id: str) -> list[dict]:
    with open(client.download_artifacts(run_id, "nbrun/alerts.json")) as f:
        return json.load(f)


def test_alerts_are_synced_as_an_artifact(online, store_dir, monkeypatch):
    monkeypatch.setattr(syncer, "FILES_EVERY_S", 0.5)  # a live run's files looked at often
    run = nbrun.init(dir=store_dir, project="alerting", mode="online")
    run.log({"loss": 5.0})
    run.alert("loss high", "5.0 after one step", level=nbrun.AlertLevel.WARN)
    client = MlflowClient(online.url)
    deadline = time.monotonic() + 120
    while True:  # sent while the run is still running
        st = sync_support.status(store_dir, run.id)
        try:
            if st["server_run_id"] and _alerts_on_server(client, st["server_run_id"]):
                break
        except Exception:
            pass
        assert time.monotonic() < deadline, "the alert did not reach the server in time"
        time.sleep(0.5)
    run.log({"loss": 0.1})
    run.alert("recovered", "loss 0.1", level="INFO")
    run.finish()
    st = wait_synced(store_dir, run.id)
    remote = _alerts_on_server(client, st["server_run_id"])
    local = nbrun.Api(store_dir).run(run.id).alerts()
    assert remote == local
    assert [(a["title"], a["level"], a["step"]) for a in remote] == [
        ("loss high", "WARN", 0), ("recovered", "INFO", 1)]
    quiet = nbrun.init(dir=store_dir, project="alerting", mode="online")  # no alerts: no file
    quiet.log({"loss": 1.0})
    quiet.finish()
    st = wait_synced(store_dir, quiet.id)
    paths = {a.path for a in client.list_artifacts(st["server_run_id"], "nbrun")}
    assert "nbrun/config.json" in paths and "nbrun/alerts.json" not in paths
