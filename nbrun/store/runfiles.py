"""The files of a run folder, listed without leaving it, and what the integrations record
about the media among them (``media/videos.jsonl``: a video's episode and steps)."""

from __future__ import annotations

import json
import os
import stat
from typing import Any, BinaryIO, Iterator

MEDIA_INDEXES = ("media/videos.jsonl",)

FILES_MAX = 1000

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_NOFOLLOW_OPEN = (hasattr(os, "O_NOFOLLOW") and hasattr(os, "O_DIRECTORY")
                  and os.open in os.supports_dir_fd)


def regular_files(run_dir: str) -> Iterator[tuple[str, os.stat_result]]:
    """``(relative posix path, lstat)`` of every regular file inside the run folder, in no
    particular order.

    Symbolic links are skipped, files and folders alike: following one could read outside the
    run folder. A run folder that is itself a link holds nothing, for the same reason. Anything
    but a regular file (a FIFO, a socket, a device) is skipped too: reading one can block
    forever or never end.
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


def open_regular(run_dir: str, path: str) -> tuple[BinaryIO, os.stat_result] | None:
    """``path`` (relative, ``/``-separated) opened for reading with its ``fstat``, or None
    unless it is a regular file inside the run folder reached through no symbolic link.

    Each folder on the way is opened relative to the previous one without following links, so
    a folder swapped for a link after it was listed leads nowhere; the file is opened without
    blocking (a FIFO put in its place would otherwise wait for a writer forever) and checked to
    be a regular file before a byte is read.
    """
    if not _plain_relative(path):
        return None
    parts = path.split("/")
    if not _NOFOLLOW_OPEN:  # no openat here: the check by path, then the open
        if not is_plain_file(run_dir, path):
            return None
        try:
            fd = os.open(os.path.join(run_dir, *parts), os.O_RDONLY | _NONBLOCK)
        except OSError:
            return None
    else:
        flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        try:
            folder = os.open(run_dir, flags | os.O_DIRECTORY)
        except OSError:
            return None
        try:
            for part in parts[:-1]:
                inner = os.open(part, flags | os.O_DIRECTORY, dir_fd=folder)
                os.close(folder)
                folder = inner
            fd = os.open(parts[-1], flags | _NONBLOCK, dir_fd=folder)
        except OSError:
            return None
        finally:
            os.close(folder)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        return None
    if _NONBLOCK:
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb", buffering=0), st


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
