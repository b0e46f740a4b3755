"""PyTorch Lightning: ``NbrunLogger`` (also ``WandbLogger``, with that logger's arguments), a
Lightning ``Logger`` writing to an nbrun run.

    trainer = lightning.Trainer(max_epochs=3, logger=NbrunLogger(project="mnist"))

The run is the current one, or one the logger starts with ``nbrun.init()`` (``name``,
``project``, ``id``, ``dir``, ``offline`` and any other ``init()`` argument) when Lightning
first needs it. Metrics are logged with ``trainer/global_step``, hyperparameters go to the
config, ``log_model`` logs the checkpoints as versions of the ``model`` artifact
``model-<run id>`` (``True``: the best and the last at the end, the best with the alias
``best``; ``"all"``: each one when it is written), and ``watch()`` is ``run.watch()``. Works with
``lightning`` and with the older ``pytorch_lightning`` package.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

try:
    from lightning.pytorch.loggers.logger import Logger, rank_zero_experiment
    from lightning.pytorch.utilities import rank_zero_only
except ImportError:  # the older package name
    from pytorch_lightning.loggers.logger import Logger, rank_zero_experiment
    from pytorch_lightning.utilities import rank_zero_only

from ..sdk import registry
from .runs import log_checkpoint

__all__ = ["NbrunLogger", "WandbLogger"]


class NbrunLogger(Logger):
    def __init__(self, name: str | None = None, save_dir: str | os.PathLike = ".",
                 version: str | None = None, offline: bool = False,
                 dir: str | os.PathLike | None = None, id: str | None = None,
                 anonymous: bool | None = None, project: str | None = None,
                 log_model: bool | str = False, experiment: Any = None, prefix: str = "",
                 checkpoint_name: str | None = None, **kwargs: Any) -> None:
        super().__init__()
        if log_model not in (True, False, "all"):
            from ..errors import UsageError

            raise UsageError(f"NbrunLogger: log_model must be True, False or 'all', got "
                             f"{log_model!r}")
        self._save_dir = os.fspath(save_dir) if save_dir is not None else None
        self._log_model = log_model
        self._prefix = prefix
        self._checkpoint_callback: Any = None
        self._run = experiment
        self._init_args = {k: v for k, v in {
            "name": name, "project": project, "id": id or version,
            "dir": os.fspath(dir) if dir is not None else None,
            "mode": "offline" if offline else None,
            "anonymous": "allow" if anonymous else None}.items() if v is not None}
        self._init_args.update(kwargs)

    @property
    @rank_zero_experiment
    def experiment(self) -> Any:
        """The nbrun run (started on first use when there is no current one)."""
        if self._run is None:
            import nbrun

            self._run = registry.current() or nbrun.init(**self._init_args)
            define = getattr(self._run, "define_metric", None)
            if define is not None:
                define("trainer/global_step")
                define("*", step_metric="trainer/global_step", step_sync=True)
        return self._run

    @property
    def name(self) -> str | None:
        return self._run.project if self._run is not None else self._init_args.get("project")

    @property
    def version(self) -> str | None:
        return self._run.id if self._run is not None else self._init_args.get("id")

    @property
    def save_dir(self) -> str | None:
        return self._save_dir

    @rank_zero_only
    def log_hyperparams(self, params: dict[str, Any] | argparse.Namespace, *args: Any,
                        **kwargs: Any) -> None:
        if isinstance(params, argparse.Namespace):
            params = vars(params)
        self.experiment.config.update(_plain(dict(params)), allow_val_change=True)

    @rank_zero_only
    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        row = {f"{self._prefix}{self.group_separator if self._prefix else ''}{k}": _number(v)
               for k, v in metrics.items()}
        if step is not None:
            row["trainer/global_step"] = step
        self.experiment.log(row)

    def watch(self, model: Any, log: str | None = "gradients", log_freq: int = 100,
              log_graph: bool = True) -> None:
        self.experiment.watch(model, log=log, log_freq=log_freq, log_graph=log_graph)

    @rank_zero_only
    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        self._checkpoint_callback = checkpoint_callback
        if self._log_model == "all":
            self._keep(checkpoint_callback)

    @rank_zero_only
    def finalize(self, status: str) -> None:
        if self._log_model is True and self._checkpoint_callback is not None:
            self._keep(self._checkpoint_callback)

    def _keep(self, callback: Any) -> None:
        run = self.experiment
        for path in dict.fromkeys((callback.last_model_path, callback.best_model_path)):
            if path and os.path.exists(path):
                best = path == callback.best_model_path
                log_checkpoint(run, path, f"model-{run.id}", ["best"] if best else [])


def _number(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """Hyperparameters as config values: what nbrun cannot store (a module, a function) as
    its text."""
    out = {}
    for key, value in params.items():
        if isinstance(value, dict):
            out[key] = _plain(value)
        elif value is None or isinstance(value, (bool, int, float, str, list, tuple)):
            out[key] = value
        else:
            out[key] = str(value)
    return out


WandbLogger = NbrunLogger
