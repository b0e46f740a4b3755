"""``run.watch()`` and ``run.unwatch()``: where the PyTorch hooks of ``nbrun.integration.torch``
join a run, without the sdk importing the layer above it.

``nbrun/__init__.py`` registers the module (``register``); it is imported when a model is first
watched, and it imports torch then. That module defines ``watch(run, models, criterion, log,
log_freq, idx, log_graph) -> list``, ``unwatch(run, models)`` and ``unwatch_all(run)``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

_registered: str | None = None


def register(module: str) -> None:
    global _registered
    _registered = module


def _impl() -> ModuleType:
    assert _registered is not None, "nbrun/__init__.py registers the watch module"
    return importlib.import_module(_registered)


class Watching:
    """The watch methods of ``Run``."""

    _watched: Any = None  # what the watch module keeps for the run, once it watched a model

    def watch(self, models: Any, criterion: Any = None, log: str | None = "gradients",
              log_freq: int = 1000, idx: int | None = None, log_graph: bool = False
              ) -> list:
        """Log histograms of the gradients (``log="gradients"``), the parameters
        (``"parameters"``) or both (``"all"``) of PyTorch ``models`` every ``log_freq``
        backward (gradients) or forward (parameters) passes, as ``gradients/<name>`` and
        ``parameters/<name>``; they join the row of the next ``log()``. ``log_graph=True``
        saves each model's structure as text in the run's folder. The hooks are removed by
        ``unwatch()`` and at ``finish()``."""
        return _impl().watch(self, models, criterion=criterion, log=log, log_freq=log_freq,
                             idx=idx, log_graph=log_graph)

    def unwatch(self, models: Any = None) -> None:
        """Remove the hooks of ``models`` (one model or several), or of every watched model."""
        _impl().unwatch(self, models)


def finishing(run: Any) -> None:
    """Remove the run's hooks (from ``finish()``)."""
    if run._watched is not None:
        _impl().unwatch_all(run)


def watched_state(run: Any) -> Any:
    return run._watched


def set_watched_state(run: Any, state: Any) -> None:
    run._watched = state
