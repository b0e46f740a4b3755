"""Reading a run's artifact versions back from a real MLflow server, for the artifact sync
tests: the files under the run's ``artifacts/<name>/v<n>/`` through the REST listing and
download, the server's own artifact folder (to count copies of a content), the run's logged
models (MLflow 3's search, as its UI lists them) and dataset inputs (MLflow's client).
``log_runs`` logs the runs the tests share and ``assert_on_server`` checks all of them."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from mlflow.tracking import MlflowClient
from mlflow_media import artifact_paths, download
from sync_support import status

import nbrun


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def server_copies(server_folder: Path) -> dict[str, list[str]]:
    """Every file the server keeps in its artifact store, by content digest."""
    out: dict[str, list[str]] = {}
    root = server_folder / "artifacts"
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as fh:
                out.setdefault(sha(fh.read()), []).append(os.path.relpath(path, root))
    return out


def assert_version_on_run(url: str, server_run: str, name: str, version: str,
                          local: dict[str, bytes]) -> None:
    """The run holds exactly the version's files under ``artifacts/<name>/<version>/``, each
    byte-identical."""
    folder = f"artifacts/{name}/{version}"
    paths = artifact_paths(url, server_run, folder)
    assert paths == sorted(f"{folder}/{p}" for p in local), paths
    for rel, data in local.items():
        assert download(url, server_run, f"{folder}/{rel}") == data, rel


def logged_models(url: str, server_run: str) -> list:
    client = MlflowClient(url)
    run = client.get_run(server_run)
    return [m for m in client.search_logged_models([run.info.experiment_id])
            if m.source_run_id == server_run]


def model_files(server_folder: Path, model) -> dict[str, bytes]:
    """The files of a logged model as the server keeps them."""
    root = server_folder / "artifacts" / model.artifact_location.split(":", 1)[1].lstrip("/")
    out = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            out[os.path.relpath(path, root)] = Path(path).read_bytes()
    return out


def output_models(url: str, server_run: str) -> list[str]:
    outputs = MlflowClient(url).get_run(server_run).outputs
    return [o.model_id for o in (outputs.model_outputs if outputs else [])]


def dataset_inputs(url: str, server_run: str) -> list:
    return list(MlflowClient(url).get_run(server_run).inputs.dataset_inputs)


def log_runs(store_dir, tmp_path, project: str, mode: str | None) -> dict:
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


def assert_on_server(server, store_dir, logged: dict) -> None:
    url = server.url
    run_a = status(store_dir, logged["a"])["server_run_id"]
    run_b = status(store_dir, logged["b"])["server_run_id"]
    v0, v1, model = logged["v0"], logged["v1"], logged["model"]
    for run_id in (logged["a"], logged["b"]):
        refused = [e for e in status(store_dir, run_id)["errors"] if "refused" in e]
        assert not refused, refused

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
