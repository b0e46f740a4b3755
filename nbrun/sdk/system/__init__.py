"""System metrics joining a run's life (a plugin, see ``nbrun/sdk/plugins.py``): CPU, memory,
disk, network and NVIDIA GPUs sampled every ``system_metrics_interval`` seconds (default 15;
0 turns them off) in a thread of their own, stored against wall time beside the history
(``nbrun/store/system.py``) and read back with ``Api().run(id).history(stream="system")``.

Nothing is imported here that ``init()`` would wait for: psutil and NVML are loaded by the
sampler's thread.
"""

from __future__ import annotations

import threading
from typing import Any

from ..run import store_and_rid

DEFAULT_INTERVAL_S = 15.0  # the contract tracker's; MLflow's own is 10

_samplers: dict[int, Any] = {}  # id(run) -> its Sampler
_lock = threading.Lock()


def interval_of(settings: Any) -> float:
    value = getattr(settings, "system_metrics_interval", None)
    return DEFAULT_INTERVAL_S if value is None else float(value)


def start(run: Any) -> None:
    from .sampler import Sampler

    store, rid = store_and_rid(run)
    sampler = Sampler(store, rid, run.id, interval_of(run.settings))
    with _lock:
        _samplers[id(run)] = sampler
    sampler.start()


def finishing(run: Any) -> None:
    with _lock:
        sampler = _samplers.pop(id(run), None)
    if sampler is not None:
        sampler.stop()


def sampler_of(run: Any) -> Any:
    """The run's sampler while it runs (None when it samples nothing)."""
    with _lock:
        return _samplers.get(id(run))
