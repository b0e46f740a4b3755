"""Reading a run's media back from a real MLflow server the way MLflow's UI reads them, for the
media sync tests.

The UI lists ``images/`` through the REST artifact listing and splits each file name into key,
step and time (mlflow/server/js/src/experiment-tracking/reducers/ImageReducer.ts: the first of
``%`` or ``+`` found is the delimiter, ``<key>|step|<step>|timestamp|<ms>|...``, ``~`` or ``#``
in the key stand for ``/``, a name ending ``compressed`` is the small copy); it looks for images
only in runs tagged ``mlflow.loggedImages``, and lists as tables the paths in the run tag
``mlflow.loggedArtifacts`` of type ``table``."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import requests
from mlflow.tracking import MlflowClient
from PIL import Image

IMAGE_DIR = "images"


def artifact_paths(url: str, run_id: str, path: str = "") -> list[str]:
    """Every artifact file of the server run under ``path``, through the REST listing."""
    out: list[str] = []
    pending = [path]
    while pending:
        folder = pending.pop()
        params = {"run_id": run_id}
        if folder:
            params["path"] = folder
        answer = requests.get(f"{url}/api/2.0/mlflow/artifacts/list", params=params, timeout=30)
        answer.raise_for_status()
        for entry in answer.json().get("files", []):
            (pending if entry["is_dir"] else out).append(entry["path"])
    return sorted(out)


def parse_image_name(path: str) -> dict[str, Any]:
    """One file of ``images/`` as the UI's image reducer splits its name."""
    name = path[len(IMAGE_DIR) + 1:]
    stem, _, extension = name.rpartition(".")
    delimiter = next((d for d in ("%", "+") if d in stem), None)
    assert delimiter is not None, f"the UI cannot parse {path!r}"
    parts = stem.split(delimiter)
    assert parts[1] == "step" and parts[3] == "timestamp", f"the UI cannot parse {path!r}"
    compressed = stem.endswith("compressed")
    file_key = stem[:-len("compressed") - 1] if compressed else stem
    assert extension in ("png", "webp"), path
    return {"key": parts[0].replace("~", "/").replace("#", "/"), "step": int(parts[2]),
            "timestamp": int(parts[4]), "file_key": file_key, "compressed": compressed,
            "path": path}


def ui_images(url: str, run_id: str) -> dict[str, list[dict[str, Any]]]:
    """Per image key, the images the UI shows for the run (sorted by step): ``step``,
    ``timestamp``, ``filepath`` and ``compressed_filepath``."""
    tags = MlflowClient(url).get_run(run_id).data.tags
    assert tags.get("mlflow.loggedImages"), "without this tag the UI looks for no image"
    by_key: dict[str, dict[str, dict[str, Any]]] = {}
    for path in artifact_paths(url, run_id, IMAGE_DIR):
        assert path.count("/") == 1, f"{path!r}: the UI reads only the files of images/"
        found = parse_image_name(path)
        entry = by_key.setdefault(found["key"], {}).setdefault(found["file_key"], {})
        if found["compressed"]:
            entry["compressed_filepath"] = path
        else:
            entry.update(filepath=path, step=found["step"], timestamp=found["timestamp"])
    return {key: sorted(entries.values(), key=lambda e: e["step"])
            for key, entries in by_key.items()}


def logged_tables(url: str, run_id: str) -> list[str]:
    """The tables the UI lists for the run."""
    raw = MlflowClient(url).get_run(run_id).data.tags.get("mlflow.loggedArtifacts", "[]")
    return [e["path"] for e in json.loads(raw) if e.get("type") == "table"]


def download(url: str, run_id: str, path: str) -> bytes:
    answer = requests.get(f"{url}/get-artifact", params={"run_id": run_id, "path": path},
                          timeout=30)
    answer.raise_for_status()
    return answer.content


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


def image_size(data: bytes) -> tuple[tuple[int, int], str]:
    with Image.open(io.BytesIO(data)) as img:
        return img.size, img.format
