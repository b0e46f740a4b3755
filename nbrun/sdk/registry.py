"""The runs active in this process, which one is global, and finishing them at exit."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import Any, Callable

from ..store.writer import current_writer
from . import failure, plugins

EXIT_DRAIN_S = 10.0  # at exit, how long finishing runs get to reach a store that is failing

_lock = threading.RLock()
_active: list[Any] = []
_global: Any = None
_hooks_installed = False
_uncaught = False
_listeners: list[Callable[[str, Any], None]] = []
_fork_callbacks: list[Callable[[Any], None]] = []


def on_fork(callback: Callable[[Any], None]) -> None:
    """Call ``callback(run)`` in a forked child for each run it inherited from its parent."""
    if callback not in _fork_callbacks:
        _fork_callbacks.append(callback)


def _after_fork_in_child() -> None:
    # The child has no live run of its own: the parent's runs stay the parent's (the child's
    # exit must neither finish them nor wait for a writer thread that does not exist here).
    global _lock, _global
    _lock = threading.RLock()
    inherited = list(_active)
    _active.clear()
    _global = None
    for run in inherited:
        for callback in _fork_callbacks:
            callback(run)


os.register_at_fork(after_in_child=_after_fork_in_child)


def subscribe(listener: Callable[[str, Any], None]) -> None:
    """Call ``listener("start" | "finish", run)`` as runs of this process start and finish;
    how the notebook layer shows run cards and captures code without the sdk knowing it."""
    if listener not in _listeners:
        _listeners.append(listener)


def unsubscribe(listener: Callable[[str, Any], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def _notify(event: str, run: Any) -> None:
    for listener in list(_listeners):
        try:
            listener(event, run)
        except Exception as exc:  # a display problem must never break a run
            print(f"nbrun: {event} hook failed: {exc}", file=sys.stderr)


def active() -> list[Any]:
    with _lock:
        return list(_active)


def current() -> Any:
    return _global


def add(run: Any, make_global: bool) -> None:
    global _global
    _install_hooks()
    with _lock:
        _active.append(run)
        if make_global:
            _global = run


def started(run: Any) -> None:
    """Tell listeners a run is open (after its opening committed)."""
    _notify("start", run)


def make_global(run: Any) -> None:
    global _global
    with _lock:
        _global = run


def forget(run: Any, finished: bool = True) -> None:
    """Called by a run as it finishes (or is abandoned, ``finished=False``)."""
    global _global
    with _lock:
        was_active = run in _active
        if was_active:
            _active.remove(run)
        if _global is run:
            _global = None
    if was_active and finished:
        _notify("finish", run)


def find(run_id: str) -> Any:
    with _lock:
        for run in _active:
            if run.id == run_id:
                return run
    return None


def _install_hooks() -> None:
    """Finish active runs at interpreter exit, failed if an exception ended the program."""
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    previous = sys.excepthook

    def excepthook(exc_type, exc, tb):
        global _uncaught
        _uncaught = True
        error = failure.describe(exc_type, exc, tb, "uncaught in the program")
        for run in active():
            record = getattr(run, "record_error", None)
            if record is not None:
                record(error)
        previous(exc_type, exc, tb)

    sys.excepthook = excepthook
    atexit.register(_finish_all_at_exit)


def _finish_all_at_exit() -> None:
    code = 1 if _uncaught else 0
    for run in reversed(active()):
        try:
            run.finish(exit_code=code)
        except Exception as exc:  # exit must go on; the run will read as crashed
            print(f"nbrun: could not finish run {run.id}: {exc}", file=sys.stderr)
    writer = current_writer()
    if writer is not None:  # runs whose finish() was interrupted or met a failing store
        for channel in writer.drain(EXIT_DRAIN_S):
            print(f"nbrun: {channel.count()} rows and the final state of a run could not be "
                  f"written to {channel.store.path} before exit ({channel.failure}); the run "
                  "will read as crashed", file=sys.stderr)
    plugins.at_exit()  # only now: the runs are finished and in the store
