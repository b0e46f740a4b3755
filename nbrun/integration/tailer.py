"""Tailing the event files under a run's log folders into its history.

Each tick finds event files under the watched folders, reads the whole records added since the
last tick, and commits their scalars with the new read offsets in one transaction (so a killed
run resumes without duplicates or gaps), then appends the same bytes to the run's copy of each
file under ``<run folder>/tensorboard/``. A file last written before the run started belongs to
an earlier run and is left alone.

A file costs only itself: what cannot be read in it (see ``eventfiles``) is skipped, said once
in a warning and listed on the run (``unstored``, with the file as its key) when the offsets
pass it; a file that fails in a way not foreseen is left, and the others go on.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

from ..sdk.run import mirror, mirror_offsets
from . import eventfiles
from .naming import Names

INTERVAL_S = 0.25
MTIME_SLACK_S = 2.0  # file systems with coarse timestamps
SHOWN = 3  # problems named in one warning


class _File:
    def __init__(self, path: str, offset: int, info: dict[str, Any]) -> None:
        self.path = path
        self.offset = offset
        self.skip_from = info.pop("skip_from", None)  # the offset is inside unreadable bytes
        self.info = info  # prefix (of its keys), copy (path in the run folder), root; or {}
        self.plugins: dict[str, str] = {}
        self.broken = False
        self.unreadable = False  # warned that it cannot be opened (retried each tick)


class Tailer:
    def __init__(self, run: Any, folders: list[str] = ()) -> None:
        self.run = run
        self.started = time.time()
        self.roots: list[str] = []
        self.files: dict[str, _File] = {}
        self.copy_root = os.path.join(run.dir, "tensorboard")
        self._lock = threading.Lock()  # one tick at a time
        self._roots_lock = threading.Lock()  # a writer's creation never waits for a tick
        self._stop = threading.Event()
        self._warned = False
        self._notes: list[dict[str, Any]] = []  # to list on the run with the next commit
        self.names = Names(run)
        for path, (offset, info) in mirror_offsets(run).items():  # a resumed run goes on
            self.files[path] = _File(path, offset, info)
            self.add_root(info.get("root", os.path.dirname(path)))
            _restore_copy(path, offset, os.path.join(self.copy_root, info["copy"]))
        for folder in folders:
            self.add_root(folder)
        self._thread = threading.Thread(target=self._loop, name=f"nbrun-tb-{run.id}",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def add_root(self, folder: str) -> None:
        folder = os.path.abspath(folder)
        with self._roots_lock:
            if any(_inside(folder, root) for root in self.roots):
                return
            self.roots = [r for r in self.roots if not _inside(r, folder)] + [folder]

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(INTERVAL_S):
            try:
                self.tick()
            except Exception as exc:  # nothing is advanced: the next tick tries again
                if not self._warned:
                    self._warned = True
                    print(f"nbrun: mirroring TensorBoard files failed ({exc}); retrying",
                          file=sys.stderr)

    def tick(self, final: bool = False) -> int:
        """Mirror what was added since the last tick; how many points. A file is placed (its
        key prefix and copy chosen) once it holds a scalar, or at the final tick, so that
        writers created one after another before they log are placed alike."""
        with self._lock:
            self._discover()
            points: dict[str, tuple[list[int], list[float]]] = {}
            offsets: dict[str, tuple[int, dict]] = {}
            done: list[tuple[_File, eventfiles.Read, list[str]]] = []
            count = 0
            for f in list(self.files.values()):
                if f.broken or eventfiles.file_size(f.path) <= f.offset:
                    continue
                try:
                    got = self._read(f, final, points)
                except OSError as exc:  # removed or unreadable for now: tried again next tick
                    if not f.unreadable:
                        f.unreadable = True
                        print(f"nbrun: cannot read {f.path} ({exc}); retrying", file=sys.stderr)
                    continue
                except Exception as exc:  # not foreseen: this file is left, the others go on
                    f.broken = True
                    self._set_aside(f, f"not mirrored from byte {f.offset} on: {exc!r}")
                    continue
                if got is None:
                    continue
                read, n, problems = got
                count += n
                info = f.info if read.skip_from is None else {**f.info,
                                                              "skip_from": read.skip_from}
                offsets[f.path] = (read.end, info)
                done.append((f, read, problems))
            # Problems of a read are found again if this commit fails; a file left is not.
            notes = self._notes + [_item(f, why) for f, _, problems in done for why in problems]
            if not offsets and not notes:
                return 0
            stored, keys = self.names.place(points)
            mirror(self.run, stored, offsets, keys, notes)
            self.names.saved()
            self._notes = []
            for f, read, problems in done:
                f.offset, f.skip_from = read.end, read.skip_from
                _append_copy(os.path.join(self.copy_root, f.info["copy"]), read.raw)
                if problems:
                    more = f"; and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
                    print(f"nbrun: skipped what cannot be read in {f.path}: "
                          f"{'; '.join(problems[:SHOWN])}{more} (listed on run {self.run.id} "
                          "as 'unstored')", file=sys.stderr)
            return count

    def _read(self, f: _File, final: bool, points: dict[str, tuple[list[int], list[float]]]
              ) -> tuple[eventfiles.Read, int, list[str]] | None:
        """Read what ``f`` gained into ``points``: the read, the number of points and what was
        skipped; None when there is nothing to commit yet."""
        read = eventfiles.read_records(f.path, f.offset, f.skip_from, final)
        if read.end == f.offset:
            return None
        if not f.info:
            if not (final or eventfiles.scalars(read, f.plugins, "", {})):
                f.plugins.clear()  # read again next time
                return None
            with self._roots_lock:
                # Folders holding only files of earlier runs do not count.
                live = [r for r in self.roots if any(_inside(p, r) for p in self.files)]
            f.info = _placement(f.path, live)
            f.plugins.clear()
        found: list[tuple[int, str]] = []
        n = eventfiles.scalars(read, f.plugins, f.info["prefix"], points, found)
        found += [(start, f"{stop - start} bytes {why}") for start, stop, why in read.skipped]
        return read, n, [f"byte {at}: {why}" for at, why in sorted(found)]

    def _set_aside(self, f: _File, why: str) -> None:
        print(f"nbrun: {f.path}: {why}", file=sys.stderr)
        self._notes.append(_item(f, why))

    def _discover(self) -> None:
        with self._roots_lock:
            roots = list(self.roots)
        for root in roots:
            for folder, _dirs, names in os.walk(root):
                for name in names:
                    path = os.path.join(folder, name)
                    if path in self.files or not eventfiles.is_event_file(name):
                        continue
                    try:
                        mtime = os.stat(path).st_mtime
                    except OSError:
                        continue
                    if mtime < self.started - MTIME_SLACK_S:  # an earlier run's, unless rewritten
                        continue
                    self.files[path] = _File(path, 0, {})


def _item(f: _File, why: str) -> dict[str, Any]:
    """What the run lists (``unstored``) for something skipped in ``f``."""
    return {"key": f.path, "step": None, "reason": f"TensorBoard event file: {why}"[:300]}


def _placement(path: str, roots: list[str]) -> dict[str, Any]:
    """A file's key prefix and where its copy goes. With one log folder its tags are used as
    they are; with several, each is prefixed by its folder below their common parent."""
    root = next((r for r in roots if _inside(path, r)), os.path.dirname(path))
    base = root if len(roots) == 1 else os.path.commonpath(roots)
    rel = os.path.relpath(os.path.dirname(path), base)
    prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
    copy = os.path.relpath(path, os.path.dirname(base))
    return {"prefix": prefix, "copy": copy, "root": root}


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _append_copy(copy: str, raw: bytes) -> None:
    os.makedirs(os.path.dirname(copy), exist_ok=True)
    with open(copy, "ab") as fh:
        fh.write(raw)


def _restore_copy(source: str, offset: int, copy: str) -> None:
    """Make the run's copy hold exactly the bytes mirrored before a crash."""
    try:
        if os.path.getsize(copy) == offset:
            return
    except OSError:
        pass
    try:
        with open(source, "rb") as fh:
            data = fh.read(offset)
    except OSError:
        return  # the source is gone: keep whatever copy there is
    os.makedirs(os.path.dirname(copy), exist_ok=True)
    with open(copy, "wb") as fh:
        fh.write(data)
