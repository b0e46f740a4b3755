"""MLflow 3 logged models over REST, made once whatever fails: the calls MLflow's own
``log_model`` makes (``logged-models`` create with the source run, the files under the
model's artifact location, finalize READY, and the model as an output of the run, which is
where the run's page in MLflow's UI finds its models).

Neither creating a model nor logging an output is idempotent on the server (each call adds
one), so each is tried once at a time and, before another try, looked up: the model by its
source run, name and ``nbrun.artifact.digest`` tag; the output in the run's outputs.
"""

from __future__ import annotations

import random
import time
from typing import Any, Callable, TypeVar

from ..errors import CommError
from .client import Client, ServerError, transient

T = TypeVar("T")

DIGEST_TAG = "nbrun.artifact.digest"
READY = "LOGGED_MODEL_READY"
PROXIED = "mlflow-artifacts:"
TRIES = 4


def once(present: Callable[[], T | None], make: Callable[[], T]) -> T:
    """``make()``, tried up to TRIES times; after a try that may have reached the server, what
    ``present()`` finds instead of another try."""
    delay = 0.25
    for attempt in range(TRIES):
        if attempt:
            found = present()
            if found is not None:
                return found
        try:
            return make()
        except CommError as exc:
            if attempt == TRIES - 1 or not transient(exc):
                raise
        time.sleep(delay * (0.5 + random.random()))  # time for a slow request to land
        delay = min(delay * 2, 8.0)
    raise AssertionError("unreachable")


def find(client: Client, eid: str, run: str, name: str, digest: str) -> dict[str, Any] | None:
    """The model of ``run`` named ``name`` made for content ``digest`` (its ``info``)."""
    found = client.api("POST", "logged-models/search", {
        "experiment_ids": [eid], "max_results": 1,
        "filter": f"source_run_id = '{run}' AND name = '{name}' AND "
                  f"tags.`{DIGEST_TAG}` = '{digest}'"})
    models = found.get("models") or []
    if not isinstance(models, list) or not models:
        return None
    return _info(models[0], "POST logged-models/search")


def ensure(client: Client, eid: str, run: str, name: str, digest: str,
           tags: dict[str, str], params: dict[str, str]) -> dict[str, Any]:
    """The model's ``info``: the one made before (by an earlier, stopped sync) or a new one."""
    found = find(client, eid, run, name, digest)
    if found is not None:
        return found
    body = {"experiment_id": eid, "name": name, "source_run_id": run,
            "tags": [{"key": k, "value": v} for k, v in {**tags, DIGEST_TAG: digest}.items()],
            "params": [{"key": k, "value": v} for k, v in params.items()]}
    return once(lambda: find(client, eid, run, name, digest),
                lambda: _info(client.api("POST", "logged-models", body, tries=1),
                              "POST logged-models"))


def artifact_root(info: dict[str, Any]) -> str:
    """Where the model's files go in the server's proxied artifact store."""
    uri = str(info.get("artifact_uri") or "")
    if not uri.startswith(PROXIED):
        raise ServerError(f"logged model {info.get('model_id')}: its artifact location {uri!r} "
                          "is not served by the tracking server (start it with "
                          "--serve-artifacts)", status=None)
    return uri[len(PROXIED):].lstrip("/")


def finalize(client: Client, model_id: str) -> None:
    """Mark the model READY (repeating it changes nothing)."""
    client.api("PATCH", f"logged-models/{model_id}", {"model_id": model_id, "status": READY})


def ensure_output(client: Client, run: str, model_id: str, step: int) -> None:
    """The model is an output of ``run`` (once)."""
    def present() -> bool | None:
        got = client.api("GET", "runs/get", params={"run_id": run})
        outputs = ((got.get("run") or {}).get("outputs") or {}).get("model_outputs") or []
        return True if any(isinstance(o, dict) and o.get("model_id") == model_id
                           for o in outputs) else None

    if present():
        return
    once(present, lambda: client.api("POST", "runs/outputs", {
        "run_id": run, "models": [{"model_id": model_id, "step": step}]}, tries=1) or True)


def _info(model: Any, what: str) -> dict[str, Any]:
    info = model.get("model", model) if isinstance(model, dict) else None
    info = info.get("info") if isinstance(info, dict) else None
    if not isinstance(info, dict) or not info.get("model_id"):
        raise ServerError(f"{what}: the tracking server answered without model.info.model_id "
                          "(does it have MLflow 3's logged models?)", status=None)
    return info
