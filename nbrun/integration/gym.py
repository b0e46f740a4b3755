"""``monitor_gym=True``: every video that Gymnasium's ``RecordVideo`` wrapper writes during the
run is attached to it: copied into ``<run folder>/media/videos/`` and listed, with its episode
number and the steps at which its recording started, in ``media/videos.jsonl`` (one JSON object a
line, appended, so a killed run keeps every video listed before).

``RecordVideo.start_recording`` and ``stop_recording`` (where the MP4 is written) are wrapped
only while a run monitors, and only once ``gymnasium.wrappers.rendering`` is imported by the user.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
import time
from types import ModuleType
from typing import Any

from . import imports

MODULE = "gymnasium.wrappers.rendering"
VIDEOS = os.path.join("media", "videos")
INDEX = os.path.join("media", "videos.jsonl")

_runs: list[Any] = []
_patched: list[tuple[Any, str, Any]] = []  # (class, method name, original)


def start(run: Any) -> None:
    _runs.append(run)
    if len(_runs) == 1:
        imports.when_imported(MODULE, _patch)


def finished(run: Any) -> None:
    if run in _runs:
        _runs.remove(run)
    if not _runs:
        imports.forget(_patch)
        while _patched:
            cls, name, original = _patched.pop()
            setattr(cls, name, original)


def _patch(module: ModuleType) -> None:
    cls = module.RecordVideo
    start_original, stop_original = cls.start_recording, cls.stop_recording

    @functools.wraps(start_original)
    def start_recording(self: Any, video_name: str) -> None:
        start_original(self, video_name)
        # Where the recording starts: stop_recording runs after reset() moved to the next episode.
        self._nbrun_started = (self.episode_id, self.step_id,
                               {id(run): run.step for run in _runs})

    @functools.wraps(stop_original)
    def stop_recording(self: Any) -> None:
        name = getattr(self, "_video_name", None)
        episode, env_step, steps = getattr(self, "_nbrun_started", (None, None, {}))
        stop_original(self)
        if name is None:
            return
        path = os.path.join(self.video_folder, f"{name}.mp4")
        if os.path.isfile(path):  # no file when the episode had no frames
            for run in list(_runs):
                try:
                    attach(run, path, episode=episode, env_step=env_step,
                           step=steps.get(id(run)))
                except OSError as exc:  # a full disk must not stop the user's training
                    print(f"nbrun: could not attach {path} to run {run.id}: {exc}",
                          file=sys.stderr)

    _patched.append((cls, "start_recording", start_original))
    _patched.append((cls, "stop_recording", stop_original))
    cls.start_recording = start_recording
    cls.stop_recording = stop_recording


def attach(run: Any, path: str, episode: int | None = None, env_step: int | None = None,
           step: int | None = None) -> str:
    """Copy the video at ``path`` into the run and list it with the episode, the
    environment's step and the run's step where its recording started; its path in the run
    folder."""
    folder = os.path.join(run.dir, VIDEOS)
    os.makedirs(folder, exist_ok=True)
    stem = os.path.splitext(os.path.basename(path))[0]
    target, n = os.path.join(folder, f"{stem}.mp4"), 1
    while os.path.exists(target):  # a resumed run or a second wrapper reusing a name
        n += 1
        target = os.path.join(folder, f"{stem}-{n}.mp4")
    shutil.copyfile(path, target)
    rel = os.path.relpath(target, run.dir).replace(os.sep, "/")
    entry = {"path": rel, "kind": "video", "episode": episode,
             "step": run.step if step is None else step, "env_step": env_step,
             "source": os.path.abspath(path), "time": time.time()}
    with open(os.path.join(run.dir, INDEX), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")
    return rel
