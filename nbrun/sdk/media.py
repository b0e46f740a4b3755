"""The media of a run for views of a live run such as the notebook's run card: the videos
integrations attached (``monitor_gym``) and the newest value of each key logged with
``log()`` (see ``nbrun.media``)."""

from __future__ import annotations

import json
import os
from typing import Any

from ..store import Store, mediaindex, runfiles


def videos(run_dir: str) -> list[dict[str, Any]]:
    """What was recorded about each video still in the run folder, oldest first, with its
    ``local_path``."""
    return [{**entry, "local_path": os.path.join(run_dir, *path.split("/"))}
            for path, entry in runfiles.media(run_dir).items()
            if entry.get("kind") == "video" and runfiles.is_plain_file(run_dir, path)]


def latest(run_dir: str, store: Store, rid: int) -> list[dict[str, Any]]:
    """The newest stored value of each media key of a run (every image of a gallery), with the
    ``local_path`` of its file (None when held inline, or not a plain file of the folder)."""
    out = []
    for entry in mediaindex.latest(store, rid):
        path = entry["file"]
        entry["local_path"] = (os.path.join(run_dir, *path.split("/"))
                               if path and runfiles.is_plain_file(run_dir, path) else None)
        out.append(entry)
    return out


def table_head(local_path: str, rows: int) -> tuple[list[Any], list[list[Any]]]:
    """The columns and first rows of a stored table (media cells as their references)."""
    with open(local_path, encoding="utf-8") as fh:
        stored = json.load(fh)
    return list(stored["columns"]), [list(r) for r in stored["data"][:rows]]
