"""Artifacts on a real MLflow server (issue 21, point 4): the files of each version a run logged
as that run's artifacts under ``artifacts/<name>/v<n>/`` (byte-identical, once), run tags for
its version, digest and aliases, a ``model`` version as an MLflow 3 logged model of the run (its
files in the model, the model an output of the run, as MLflow's UI finds it), and a ``dataset``
version a run used as a dataset input of that run; online, and offline then `nbrun sync`."""

from __future__ import annotations

import pytest

from conftest import run_python
from mlflow_artifacts import assert_on_server, log_runs
import sync_support
from sync_support import status, wait_synced

pytestmark = pytest.mark.slow

server, online = sync_support.server, sync_support.online


def test_versions_models_and_dataset_inputs_reach_mlflow_online(online, store_dir, tmp_path):
    logged = log_runs(store_dir, tmp_path, "art-online", None)
    wait_synced(store_dir, logged["a"])
    wait_synced(store_dir, logged["b"])
    assert_on_server(online, store_dir, logged)


def test_offline_use_artifact_then_nbrun_sync(server, store_dir, tmp_path):
    logged = log_runs(store_dir, tmp_path, "art-offline", "offline")
    assert status(store_dir, logged["b"])["label"] == "offline"
    out = run_python(f"""
        import sys
        from nbrun.cli import main
        sys.exit(main(["--dir", {str(store_dir)!r}, "sync", "--all"]))
        """, env={"NBRUN_BASE_URL": server.url}, timeout=300).stdout
    assert f"{logged['a']}: synced" in out and f"{logged['b']}: synced" in out, out
    assert_on_server(server, store_dir, logged)
    again = run_python(f"""
        import sys
        from nbrun.cli import main
        sys.exit(main(["--dir", {str(store_dir)!r}, "sync", "--all"]))
        """, env={"NBRUN_BASE_URL": server.url}, timeout=300).stdout
    assert "nothing to sync" in again
    assert_on_server(server, store_dir, logged)  # nothing doubled
