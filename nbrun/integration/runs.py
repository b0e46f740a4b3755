"""What the framework callbacks share: the run they log to, the best-value summaries of
metrics whose direction is known, and model checkpoints logged as ``model`` artifacts."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Any, Iterator

from ..errors import UsageError
from ..sdk import registry

# Metrics lower (or higher) is better, as LightGBM and XGBoost name them.
MINIMIZE = {"l1", "l2", "rmse", "rmsle", "mae", "mape", "mse", "huber", "fair", "poisson",
            "gamma", "gamma-deviance", "tweedie", "binary_logloss", "multi_logloss", "logloss",
            "mlogloss", "error", "merror", "binary_error", "multi_error", "cox-nloglik"}
MAXIMIZE = {"map", "auc", "aucpr", "average_precision", "ndcg", "pre"}


def current(where: str) -> Any:
    """The current global run; an error naming ``where`` when there is none."""
    run = registry.current()
    if run is None:
        raise UsageError(f"{where}: there is no active run; call nbrun.init() first")
    return run


def best_summary(run: Any, key: str, metric: str) -> None:
    """Keep the best value of ``key`` in the summary (``min`` for a loss, ``max`` for a score)
    through ``run.define_metric`` where the run has it; otherwise the summary keeps the last
    value, as for any key."""
    define = getattr(run, "define_metric", None)
    name = metric.lower().split("@")[0]
    if define is None:
        return
    if "loss" in name or name in MINIMIZE:
        define(key, summary="min")
    elif name in MAXIMIZE:
        define(key, summary="max")


def run_folder(run: Any, *parts: str) -> str:
    """A folder inside the run's folder (created), where the run's files are kept and from
    where they are synced."""
    folder = os.path.join(run.dir, *parts)
    os.makedirs(folder, exist_ok=True)
    return folder


def log_checkpoint(run: Any, path: str, name: str, aliases: list[str] | None = None) -> Any:
    """Log the checkpoint at ``path`` (a file or a folder) as a version of the ``model``
    artifact ``name`` (``latest`` always moves to it; the same content is the same version)."""
    return run.log_artifact(path, name=name, type="model", aliases=aliases or [])


@contextlib.contextmanager
def scratch_file(name: str) -> Iterator[str]:
    """A path ``name`` in a new temporary folder, removed afterwards (a model saved there is
    logged as an artifact, which keeps its own copy)."""
    folder = tempfile.mkdtemp(prefix="nbrun-model-")
    try:
        yield os.path.join(folder, name)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
