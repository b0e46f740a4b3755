"""``sync_tensorboard=True``: the scalars that TensorBoard writers put in event files during the
run are mirrored into its history under their tags (``tensorboard/<tag>`` for a tag that the run
also logs itself, see ``naming``), at TensorBoard's own steps, and the event files are saved in
the run's folder (histograms, images and text stay in those copies). A damaged file costs only
what is damaged in it (see ``tailer``), never the other files nor ``finish()``.

Log folders come from the writers themselves (see ``writers``), from the ``tensorboard_dir``
setting / ``NBRUN_TENSORBOARD_DIR`` (a folder another process writes), and from a resumed run's
record of the files it was reading.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from typing import Any

from ..errors import UsageError
from . import writers

_tailers: dict[int, Any] = {}  # id(run) -> its Tailer
_listeners: dict[int, Any] = {}


def negotiate(settings: Any, mode: str, root: str) -> str:
    if importlib.util.find_spec("tensorboard") is None:
        raise UsageError("sync_tensorboard=True reads event files with the tensorboard package, "
                         "which is not installed: pip install tensorboard (or nbrun[lab])")
    return mode


def start(run: Any) -> None:
    from .tailer import Tailer  # tensorboard's protos only once a run mirrors

    folders = []
    extra = getattr(run.settings, "tensorboard_dir", None) or os.environ.get(
        "NBRUN_TENSORBOARD_DIR")
    if extra:
        folders.append(extra)
    tailer = Tailer(run, folders)
    _tailers[id(run)] = tailer

    def found(logdir: str, _writer: Any) -> None:
        tailer.add_root(logdir)

    _listeners[id(run)] = found
    writers.watch(found)
    tailer.start()


SETTLE_S = 0.05  # between the last flushes of the writers
SETTLE_MAX_S = 1.0


def finishing(run: Any) -> None:
    """Read what the writers flushed last: stop tailing, then flush the writers and read
    until a flush brings nothing new (a writer's worker thread may still hold an event)."""
    tailer = _tailers.pop(id(run), None)
    found = _listeners.pop(id(run), None)
    if tailer is not None:
        tailer.stop()
    deadline = time.monotonic() + SETTLE_MAX_S
    quiet = 0
    try:
        while tailer is not None and quiet < 2 and time.monotonic() < deadline:
            writers.flush_all()
            quiet = quiet + 1 if tailer.tick(final=True) == 0 else 0
            if quiet < 2:
                time.sleep(SETTLE_S)
    except Exception as exc:  # the run's own data must still be finished and stored
        print(f"nbrun: run {run.id}: the last TensorBoard scalars could not be mirrored "
              f"({exc!r}); the event files are read up to where the run last stored them",
              file=sys.stderr)
    finally:
        if found is not None:
            writers.unwatch(found)


def tailer_of(run: Any) -> Any:
    """The tailer of a running run (benchmarks and tests call ``tick()`` on it)."""
    return _tailers.get(id(run))
