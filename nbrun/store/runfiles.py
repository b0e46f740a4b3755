"""The files of a run folder, listed without leaving it, and what the integrations record
about the media among them (``media/videos.jsonl``: a video's episode and steps)."""

from __future__ import annotations

import json
import os
from typing import Any

MEDIA_INDEXES = ("media/videos.jsonl",)

FILES_MAX = 1000


def list_files(run_dir: str, limit: int = FILES_MAX) -> tuple[list[dict[str, object]], bool]:
    """``[{"path": relative posix path, "size": bytes}]`` sorted by path, and whether the list
    was cut at ``limit``.

    Symbolic links are skipped, files and folders alike: following one could read outside the
    run folder. A run folder that is itself a link lists nothing, for the same reason.
    """
    if os.path.islink(run_dir) or not os.path.isdir(run_dir):
        return [], False
    out: list[dict[str, object]] = []
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
                elif entry.is_file(follow_symlinks=False):
                    out.append({"path": path,
                                "size": entry.stat(follow_symlinks=False).st_size})
            except OSError:  # removed meanwhile
                continue
            if len(out) > limit:
                break
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
