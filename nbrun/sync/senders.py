"""Helper threads that send alongside the caller, so several batches are in flight at once.

They are plain daemon threads owned here, not ``concurrent.futures``: Python shuts that module's
pools down before ``atexit`` hooks run ("cannot schedule new futures after interpreter
shutdown"), and the syncer sends during its exit wait. A thread, once started, takes work for
the life of the process; idle ones are reused, and a forked child starts its own.
"""

from __future__ import annotations

import os
import queue
import threading
from typing import Callable

Call = Callable[[], None]


class _Job:
    def __init__(self, call: Call) -> None:
        self.call = call
        self.error: BaseException | None = None
        self.done = threading.Event()

    def run(self) -> None:
        try:
            self.call()
        except BaseException as exc:  # handed to the caller, which raises it
            self.error = exc
        finally:
            self.done.set()


class _Helper:
    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._loop, name="nbrun-sync-send", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            self.jobs.get().run()


_idle: list[_Helper] = []
_lock = threading.Lock()


def _take() -> _Helper:
    with _lock:
        if _idle:
            return _idle.pop()
    return _Helper()


def _give_back(helper: _Helper) -> None:
    with _lock:
        _idle.append(helper)


def _forget_after_fork() -> None:
    global _lock
    _lock = threading.Lock()
    _idle.clear()  # their threads did not survive the fork


os.register_at_fork(after_in_child=_forget_after_fork)


def run_together(calls: list[Call]) -> None:
    """Run the calls at once, the first in this thread and each other one on a helper thread;
    once all have ended, the first failure is raised."""
    helpers: list[tuple[_Helper, _Job]] = []
    try:
        for call in calls[1:]:
            helper, job = _take(), _Job(call)
            helper.jobs.put(job)
            helpers.append((helper, job))
    except BaseException:  # a helper could not start: wait for those that did, then fail
        _wait(helpers)
        raise
    error: BaseException | None = None
    try:
        if calls:
            calls[0]()
    except BaseException as exc:  # wait for the others before giving up
        error = exc
    others = _wait(helpers)
    error = error or others
    if error is not None:
        raise error


def _wait(helpers: list[tuple[_Helper, _Job]]) -> BaseException | None:
    """Wait for the helpers' jobs and give the helpers back; the first failure among them."""
    error: BaseException | None = None
    for helper, job in helpers:
        job.done.wait()
        _give_back(helper)
        error = error or job.error
    return error
