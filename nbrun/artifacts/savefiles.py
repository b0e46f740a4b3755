"""``run.save(glob_str, base_path=None, policy="live")``: files kept with the run, in its folder
under ``files/`` (where the sidebar lists them).

The glob is expanded when ``save`` is called (as the contract's tracker does). ``now`` copies the
files at once; ``end`` when the run finishes; ``live`` at once, then again each time a file
changes (a thread polls them every second, one for the whole process) and a last time when the
run finishes. Each copy goes through a temporary file, so the run's copy is never half
written.
"""

from __future__ import annotations

import glob
import os
import shutil
import threading
import uuid
from typing import Any

from ..errors import UsageError
from .names import check_path

POLICIES = ("live", "now", "end")
POLL_S = 1.0
FILES_DIRNAME = "files"


def _signature(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def copy_into(src: str, dest: str) -> bool:
    """Copy ``src`` to ``dest`` atomically; False when ``src`` cannot be read now."""
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    tmp = os.path.join(os.path.dirname(dest),
                       f".{os.path.basename(dest)}.{uuid.uuid4().hex[:8]}.part")
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
        return True
    except OSError:
        return False
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class _Watched:
    def __init__(self, src: str, dest: str, policy: str) -> None:
        self.src, self.dest, self.policy = src, dest, policy
        self.seen: tuple[int, int] | None = None

    def refresh(self) -> None:
        now = _signature(self.src)
        if now is not None and now != self.seen and copy_into(self.src, self.dest):
            self.seen = now


class _Saver:
    """The files one run saved with the ``live`` or ``end`` policy; a plugin of the run (its
    ``finishing`` hook copies them a last time)."""

    __name__ = "nbrun.artifacts.savefiles"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.files: dict[str, _Watched] = {}

    def add(self, item: _Watched) -> None:
        with self.lock:
            self.files[item.dest] = item

    def poll(self) -> None:
        with self.lock:
            live = [f for f in self.files.values() if f.policy == "live"]
        for item in live:
            item.refresh()

    def finishing(self, run: Any) -> None:
        _watcher.forget(self)
        with self.lock:
            items = list(self.files.values())
            self.files.clear()
        for item in items:
            item.refresh()


class _Watcher:
    """One daemon thread polling every live file of every run of the process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.savers: list[_Saver] = []
        self.thread: threading.Thread | None = None
        self.wake = threading.Event()

    def watch(self, saver: _Saver) -> None:
        with self.lock:
            if saver not in self.savers:
                self.savers.append(saver)
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._loop, name="nbrun-save",
                                               daemon=True)
                self.thread.start()

    def forget(self, saver: _Saver) -> None:
        with self.lock:
            if saver in self.savers:
                self.savers.remove(saver)

    def _loop(self) -> None:
        while True:
            self.wake.wait(POLL_S)
            with self.lock:
                savers = list(self.savers)
                if not savers:
                    self.thread = None
                    return
            for saver in savers:
                saver.poll()


_watcher = _Watcher()
_savers_lock = threading.Lock()


def _saver_of(hooks: list) -> _Saver:
    with _savers_lock:
        for hook in hooks:
            if isinstance(hook, _Saver):
                return hook
        saver = _Saver()
        hooks.append(saver)
        return saver


def save(run: Any, hooks: list, glob_str: Any, base_path: Any = None, policy: str = "live"
         ) -> list[str]:
    """Copy the files ``glob_str`` matches into the run's folder; their paths there. ``hooks``
    is the run's list of finish hooks, which the run's saver joins."""
    if hasattr(glob_str, "__fspath__") or isinstance(glob_str, bytes):
        glob_str = os.fsdecode(glob_str)
    if not isinstance(glob_str, str) or not glob_str:
        raise UsageError(f"save: glob_str must be a path or glob pattern, got {glob_str!r}")
    if glob_str.startswith(("gs://", "s3://", "http://", "https://")):
        raise UsageError(f"save: {glob_str!r} is a remote URL; save keeps local files (use "
                         "an artifact's add_reference for remote ones)")
    if policy not in POLICIES:
        raise UsageError(f"save: policy={policy!r}; use 'live', 'now' or 'end'")
    pattern = os.path.abspath(glob_str)
    if base_path is not None:
        base = os.path.abspath(os.fspath(base_path))
    elif not os.path.isabs(glob_str):
        base = os.getcwd()
    else:
        base = os.path.dirname(os.path.dirname(pattern))  # keep one folder level
    if os.path.commonpath([base, pattern]) != base:
        raise UsageError(f"save: base_path {base!r} is not a folder above {glob_str!r}")
    matched = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
    if run.dir is None:  # a disabled run keeps nothing
        return []
    targets = []
    saver = _saver_of(hooks) if policy != "now" else None
    for src in matched:
        rel = check_path(os.path.relpath(src, base).replace(os.sep, "/"), "save")
        dest = os.path.join(run.dir, FILES_DIRNAME, *rel.split("/"))
        item = _Watched(src, dest, policy)
        if policy != "end":
            item.refresh()
        if saver is not None:
            saver.add(item)
        targets.append(dest)
    if saver is not None and policy == "live":
        _watcher.watch(saver)
    return targets
