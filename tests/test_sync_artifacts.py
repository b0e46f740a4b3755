"""Artifacts on a real MLflow server (issue 21, point 4): the files of each version a run logged
as that run's artifacts under ``artifacts/<name>/v<n>/`` (byte-identical, once), run tags for
its version, digest and aliases, a ``model`` version as an MLflow 3 logged model of the run (its
files in the model, the model an output of the run, as MLflow's UI finds it), and a ``dataset``
version a run used as a dataset input of that run; online, and offline then `nbrun sync`."""

from __future__ import annotations

import json
import os

import pytest

from conftest import run_python
from mlflow_artifacts import (assert_version_on_run, dataset_inputs, logged_models, model_files,
                              output_models, server_copies, sha)
from mlflow_media import artifact_paths, download
import sync_support
from sync_support import status, wait_synced

import nbrun

pytestmark = pytest.mark.slow

server, online = sync_support.server, sync_support.online


def _log_runs(store_dir, tmp_path, project: str, mode: str | None) -> dict:
    """Run a logs two versions of a dataset (the second shares a 3 MB file with the first)
    and a model; run b uses both dataset versions. What the server must hold, by name."""
    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    big = os.urandom(3 * 1024 * 1024)
    (data / "sub" / "big.bin").write_bytes(big)
    csv0, csv1 = f"x,{project}\n1,2\n".encode(), f"x,{project}\n1,2\n3,4\n".encode()
    weights = project.encode() * 1000
    (data / "a.csv").write_bytes(csv0)
    kw = {"mode": mode} if mode else {}
    a = nbrun.init(dir=str(store_dir), project=project, id=f"{project}-a", **kw)
    first = nbrun.Artifact("mnist", "dataset", metadata={"rows": 1})
    first.add_dir(str(data))
    first.add_reference("s3://bucket/raw/mnist.tgz")
    v0 = a.log_artifact(first, aliases=["best"])
    (data / "a.csv").write_bytes(csv1)
    second = nbrun.Artifact("mnist", "dataset", metadata={"rows": 2})
    second.add_dir(str(data))
    v1 = a.log_artifact(second)
    (tmp_path / "model.pkl").write_bytes(weights)
    model = a.log_model(str(tmp_path / "model.pkl"), name="clf", aliases=["prod"])
    a.finish()
    b = nbrun.init(dir=str(store_dir), project=project, id=f"{project}-b", **kw)
    b.use_artifact("mnist:best")
    b.use_artifact("mnist:latest")
    b.finish()
    return {"a": a.id, "b": b.id, "big": big, "v0": v0, "v1": v1, "model": model,
            "csv0": csv0, "csv1": csv1, "weights": weights}


def _assert_on_server(server, store_dir, logged: dict) -> None:
    url = server.url
    run_a = status(store_dir, logged["a"])["server_run_id"]
    run_b = status(store_dir, logged["b"])["server_run_id"]
    v0, v1, model = logged["v0"], logged["v1"], logged["model"]

    # Each version's files on the run that logged it, byte-identical, each once.
    assert_version_on_run(url, run_a, "mnist", "v0", {"a.csv": logged["csv0"],
                                                      "sub/big.bin": logged["big"]})
    assert_version_on_run(url, run_a, "mnist", "v1", {"a.csv": logged["csv1"],
                                                      "sub/big.bin": logged["big"]})
    copies = server_copies(server.folder)
    assert len(copies[sha(logged["big"])]) == 2  # one per version, nothing resent elsewhere
    assert len(copies[sha(logged["csv1"])]) == 1
    manifest = json.loads(download(url, run_a, "artifacts/mnist/v0.json"))
    assert manifest["digest"] == v0.digest and manifest["aliases"] == ["best"]
    assert [f["ref"] for f in manifest["files"] if f["ref"]] == ["s3://bucket/raw/mnist.tgz"]
    tags = nbrun_tags(url, run_a)
    assert tags["nbrun.artifact.mnist.version"] == "v1"  # the newest the run logged
    assert tags["nbrun.artifact.mnist.digest"] == v1.digest
    assert tags["nbrun.artifact.mnist.aliases"] == "latest"
    assert tags["nbrun.artifact.clf.version"] == "v0"
    assert tags["nbrun.artifact.clf.aliases"] == "latest,prod"

    # The model: one logged model of run a, READY, holding the file; an output of the run.
    models = logged_models(url, run_a)
    assert [(m.name, str(m.status)) for m in models] == [("clf", "READY")]
    assert models[0].tags["nbrun.artifact.digest"] == model.digest
    assert model_files(server.folder, models[0]) == {"model.pkl": logged["weights"]}
    assert output_models(url, run_a) == [models[0].model_id]
    assert not [p for p in artifact_paths(url, run_a, "artifacts/clf")
                if p != "artifacts/clf/v0.json"]  # its files are the model's, held once
    assert len(copies[sha(logged["weights"])]) == 1

    # Run b used both dataset versions: two dataset inputs pointing at run a's files.
    inputs = dataset_inputs(url, run_b)
    assert sorted((i.dataset.name, i.dataset.digest) for i in inputs) == sorted(
        [("mnist", v0.digest[:36]), ("mnist", v1.digest[:36])])
    for entry in inputs:
        tags_in = {t.key: t.value for t in entry.tags}
        assert tags_in["mlflow.data.context"] == "input"
        assert entry.dataset.source_type == "http"
        assert f"/runs/{run_a}/artifacts/artifacts/mnist/" in json.loads(
            entry.dataset.source)["url"]
    assert dataset_inputs(url, run_a) == []  # a logs them, it does not use them


def nbrun_tags(url: str, server_run: str) -> dict[str, str]:
    from mlflow.tracking import MlflowClient

    return {k: v for k, v in MlflowClient(url).get_run(server_run).data.tags.items()
            if k.startswith("nbrun.artifact.")}


def test_versions_models_and_dataset_inputs_reach_mlflow_online(online, store_dir, tmp_path):
    logged = _log_runs(store_dir, tmp_path, "art-online", None)
    wait_synced(store_dir, logged["a"])
    wait_synced(store_dir, logged["b"])
    _assert_on_server(online, store_dir, logged)


def test_offline_use_artifact_then_nbrun_sync(server, store_dir, tmp_path):
    logged = _log_runs(store_dir, tmp_path, "art-offline", "offline")
    assert status(store_dir, logged["b"])["label"] == "offline"
    out = run_python(f"""
        import sys
        from nbrun.cli import main
        sys.exit(main(["--dir", {str(store_dir)!r}, "sync", "--all"]))
        """, env={"NBRUN_BASE_URL": server.url}, timeout=300).stdout
    assert f"{logged['a']}: synced" in out and f"{logged['b']}: synced" in out, out
    _assert_on_server(server, store_dir, logged)
    again = run_python(f"""
        import sys
        from nbrun.cli import main
        sys.exit(main(["--dir", {str(store_dir)!r}, "sync", "--all"]))
        """, env={"NBRUN_BASE_URL": server.url}, timeout=300).stdout
    assert "nothing to sync" in again
    _assert_on_server(server, store_dir, logged)  # nothing doubled
