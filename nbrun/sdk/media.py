"""The media that integrations attached to a run (videos of ``monitor_gym``), for views of a
live run such as the notebook's run card."""

from __future__ import annotations

import os
from typing import Any

from ..store import runfiles


def videos(run_dir: str) -> list[dict[str, Any]]:
    """What was recorded about each video still in the run folder, oldest first, with its
    ``local_path``."""
    return [{**entry, "local_path": os.path.join(run_dir, *path.split("/"))}
            for path, entry in runfiles.media(run_dir).items()
            if entry.get("kind") == "video" and runfiles.is_plain_file(run_dir, path)]
