"""Reading a run's artifact versions back from a real MLflow server, for the artifact sync
tests: the files under the run's ``artifacts/<name>/v<n>/`` through the REST listing and
download, the server's own artifact folder (to count copies of a content), the run's logged
models (MLflow 3's search, as its UI lists them) and dataset inputs (MLflow's client)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from mlflow.tracking import MlflowClient
from mlflow_media import artifact_paths, download


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
