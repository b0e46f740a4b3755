"""The files of a run folder, listed without leaving it."""

from __future__ import annotations

import os

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
