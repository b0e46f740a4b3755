"""What the framework callbacks share: the run they log to, the best-value summaries of
metrics whose direction is known, and files kept in the run's folder."""

from __future__ import annotations

import os
import shutil
from typing import Any

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


def keep_file(run: Any, path: str, folder: str = "checkpoints") -> str:
    """Put a copy of ``path`` (a file or a folder) in ``<run folder>/<folder>/`` (a hard link
    where the file system allows, so a big checkpoint costs no second copy); its path there."""
    target = os.path.join(run_folder(run, folder), os.path.basename(os.path.normpath(path)))
    if os.path.isdir(path):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(path, target, copy_function=_link_or_copy)
    else:
        if os.path.lexists(target):
            os.unlink(target)
        _link_or_copy(path, target)
    return target


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
