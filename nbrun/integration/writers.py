"""Finding the TensorBoard writers of this process: the creation of each writer is patched (only
while a run mirrors) to report its log folder, and writers made before the run are found once.

Patched: tensorboardX's ``EventFileWriter`` and the ``tensorboard`` package's ``EventFileWriter``
(the one ``torch.utils.tensorboard`` writes with), each when its module is imported, and
TensorFlow 2's ``create_file_writer``. Nothing is imported for the patch's sake.
"""

from __future__ import annotations

import functools
import gc
import sys
import time
import weakref
from types import ModuleType
from typing import Any, Callable

from . import imports

Found = Callable[[str, Any], None]  # (log folder, writer or None)

_CLASSES = {  # module -> class whose __init__ opens an event file in get_logdir()
    "tensorboardX.event_file_writer": "EventFileWriter",
    "tensorboard.summary.writer.event_file_writer": "EventFileWriter",
}
_TF_MODULE = "tensorflow.python.ops.summary_ops_v2"
_TF_FUNCTION = "create_file_writer_v2"

_listeners: list[Found] = []
_writers: "weakref.WeakSet[Any]" = weakref.WeakSet()
_patched: list[tuple[Any, str, Any]] = []  # (owner, attribute, original)


def watch(found: Found) -> None:
    """Report to ``found`` every writer's log folder from now on, and those of live writers."""
    first = not _listeners
    _listeners.append(found)
    if first:
        for module in _CLASSES:
            imports.when_imported(module, _patch_class)
        imports.when_imported(_TF_MODULE, _patch_tf)
    for writer in _live_writers():
        _writers.add(writer)
        found(str(writer.get_logdir()), writer)


def unwatch(found: Found) -> None:
    """Stop reporting to ``found``; the last listener leaves every class as it was."""
    if found in _listeners:
        _listeners.remove(found)
    if _listeners:
        return
    imports.forget(_patch_class)
    imports.forget(_patch_tf)
    while _patched:
        owner, name, original = _patched.pop()
        setattr(owner, name, original)


def flush_all(wait_s: float = 1.0) -> None:
    """Flush every writer seen, so a run's last values reach the files before it finishes.
    tensorboardX hands events to a worker thread through a queue that its ``flush()`` does not
    wait for, so that queue is given up to ``wait_s`` to drain first."""
    deadline = time.monotonic() + wait_s
    for writer in list(_writers):
        pending = getattr(writer, "_event_queue", None)
        try:
            while pending is not None and not pending.empty() and time.monotonic() < deadline:
                time.sleep(0.005)
            writer.flush()
        except Exception:  # a closed writer has nothing to flush
            pass


def _report(logdir: Any, writer: Any) -> None:
    if writer is not None:
        _writers.add(writer)
    for found in list(_listeners):
        found(str(logdir), writer)


def _patch_class(module: ModuleType) -> None:
    cls = getattr(module, _CLASSES[module.__name__])
    original = cls.__init__

    @functools.wraps(original)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        _report(self.get_logdir(), self)

    _patched.append((cls, "__init__", original))
    cls.__init__ = __init__


def _patch_tf(module: ModuleType) -> None:
    original = getattr(module, _TF_FUNCTION)

    @functools.wraps(original)
    def create_file_writer(logdir: Any, *args: Any, **kwargs: Any) -> Any:
        writer = original(logdir, *args, **kwargs)
        _report(logdir, None)
        return writer

    targets = [module]
    summary = sys.modules.get("tensorflow.summary") or getattr(
        sys.modules.get("tensorflow"), "summary", None)
    for owner in targets + ([summary] if summary is not None else []):
        name = _TF_FUNCTION if owner is module else "create_file_writer"
        if getattr(owner, name, None) is original:
            _patched.append((owner, name, original))
            setattr(owner, name, create_file_writer)


def _live_writers() -> list[Any]:
    """Open writers created before the run (only of writer modules already imported)."""
    classes = tuple(getattr(sys.modules[m], c) for m, c in _CLASSES.items() if m in sys.modules)
    if not classes:
        return []
    return [o for o in gc.get_objects()
            if isinstance(o, classes) and not getattr(o, "_closed", False)]
