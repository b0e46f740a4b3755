"""The files of a run folder, listed and opened without leaving it, and what the integrations
record about the media among them (``media/videos.jsonl``: a video's episode and steps)."""

from __future__ import annotations

import errno
import json
import os
import stat
from typing import Any, Iterator

MEDIA_INDEXES = ("media/videos.jsonl",)

FILES_MAX = 1000


def regular_files(run_dir: str) -> Iterator[tuple[str, os.stat_result]]:
    """``(relative posix path, lstat)`` of every regular file inside the run folder, in no
    particular order.

    Symbolic links are skipped, files and folders alike: following one could read outside the
    run folder. A run folder that is itself a link holds nothing, for the same reason. Anything
    but a regular file (a FIFO, a socket, a device) is skipped too: reading one can block
    forever or never end. Open one with ``open_plain_file``, which checks all this again.
    """
    if os.path.islink(run_dir) or not os.path.isdir(run_dir):
        return
    pending = [""]
    while pending:
        rel = pending.pop()
        try:
            with os.scandir(os.path.join(run_dir, rel)) as entries:
                items = list(entries)
        except OSError:
            continue
        for entry in items:
            path = f"{rel}/{entry.name}" if rel else entry.name
            try:
                if entry.is_symlink():
                    continue
                if entry.is_dir(follow_symlinks=False):
                    pending.append(path)
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:  # removed meanwhile
                continue
            if stat.S_ISREG(st.st_mode):
                yield path, st


def list_files(run_dir: str, limit: int = FILES_MAX) -> tuple[list[dict[str, object]], bool]:
    """``[{"path": relative posix path, "size": bytes}]`` of ``regular_files`` sorted by path,
    and whether the list was cut at ``limit``."""
    out: list[dict[str, object]] = []
    for path, st in regular_files(run_dir):
        out.append({"path": path, "size": st.st_size})
        if len(out) > limit:
            break
    out.sort(key=lambda f: f["path"])
    return out[:limit], len(out) > limit


def media(run_dir: str) -> dict[str, dict[str, Any]]:
    """Relative path -> what was recorded about that media file, oldest first. A line cut short
    by a crash is skipped; so is an entry naming a path outside the run folder."""
    out: dict[str, dict[str, Any]] = {}
    for index in MEDIA_INDEXES:
        try:
            with open(os.path.join(run_dir, index), encoding="utf-8") as fh:
                lines = fh.readlines()
        except OSError:
            continue
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            path = entry.get("path") if isinstance(entry, dict) else None
            if isinstance(path, str) and _plain_relative(path):
                out[path] = entry
    return out


def _plain_relative(path: str) -> bool:
    parts = path.split("/")
    return not path.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def is_plain_file(run_dir: str, path: str) -> bool:
    """``path`` (relative, ``/``-separated) is a regular file inside the run folder, reached
    through no symbolic link."""
    if not _plain_relative(path) or os.path.islink(run_dir):
        return False
    current = run_dir
    for part in path.split("/"):
        current = os.path.join(current, part)
        if os.path.islink(current):
            return False
    return os.path.isfile(current)


# Each folder of the path is opened relative to the one before and no link is followed, so a
# path swapped for a symbolic link between a check and the open cannot lead outside the run
# folder: the descriptor itself is what gets checked and served.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_WALKS = bool(_NOFOLLOW and _DIRECTORY) and os.open in os.supports_dir_fd
# ELOOP: a link where a file or folder was; ENOTDIR: a file where a folder was.
_MISSING = (errno.ENOENT, errno.ELOOP, errno.ENOTDIR, errno.EACCES, errno.ENXIO,
            errno.EISDIR)


def open_plain_file(run_dir: str, path: str) -> int | None:
    """A read-only descriptor of ``path`` (relative, ``/``-separated) in the run folder if it
    is a regular file reached through no symbolic link, else None. The caller closes it."""
    if not _plain_relative(path):
        return None
    if not _WALKS:  # no openat() (Windows): the path is checked, then opened
        return _open_checked(run_dir, path)
    *folders, name = path.split("/")
    try:
        fd = os.open(run_dir, os.O_RDONLY | _DIRECTORY | _NOFOLLOW)
    except OSError:
        return None
    try:
        for folder in folders:
            inner = os.open(folder, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = inner
        # O_NONBLOCK: a FIFO put in the file's place must not hang the open
        found = os.open(name, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0),
                        dir_fd=fd)
    except OSError as exc:
        if exc.errno in _MISSING:
            return None
        raise  # out of descriptors, say: not a missing file
    finally:
        os.close(fd)
    return _regular(found)


def _open_checked(run_dir: str, path: str) -> int | None:
    if not is_plain_file(run_dir, path):
        return None
    try:
        found = os.open(os.path.join(run_dir, *path.split("/")),
                        os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    return _regular(found)


def _regular(fd: int) -> int | None:
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None
