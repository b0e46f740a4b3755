"""The run card: who the run is, where its data lives, and a live chart of its scalars.

The card never touches ``log()``: a feeder thread reads what the background writer has already
committed, at most once a second, and sends the front end only the new points (thinned so each
series stays under a fixed size) as custom messages; the whole series is never sent again.
"""

from __future__ import annotations

import math
import pathlib
import threading
from typing import Any

import anywidget
import traitlets

from ..sdk.run import history_since, store_path

MAX_POINTS = 500  # per series in the front end; past it every other point is dropped
INTERVAL_S = 1.0


class RunCard(anywidget.AnyWidget):
    _esm = pathlib.Path(__file__).with_name("card.js")
    _css = pathlib.Path(__file__).with_name("card.css")

    name = traitlets.Unicode().tag(sync=True)
    run_id = traitlets.Unicode().tag(sync=True)
    project = traitlets.Unicode().tag(sync=True)
    state = traitlets.Unicode().tag(sync=True)
    store = traitlets.Unicode().tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    summary = traitlets.Dict().tag(sync=True)

    def __init__(self, run: Any, **kwargs: Any) -> None:
        super().__init__(name=run.name, run_id=run.id, project=run.project, state=run.state,
                         store=store_path(run), step=run.step, **kwargs)
        self._run = run
        self._feeder = _Feeder(self)
        self.points_sent = 0  # how many points went to the front end (tests read it)
        self.messages_sent = 0
        self._feeder.start()

    def refresh(self) -> None:
        """Send what was committed since the last refresh (called by the feeder thread)."""
        chunks, self._feeder.cursor = history_since(self._run, self._feeder.cursor)
        batch = self._feeder.thin(chunks)
        with self.hold_sync():
            self.step = self._run.step
            self.state = self._run.state
            self.summary = _scalars(dict(self._run.summary))
        if batch:
            self.send({"type": "points", "series": batch, "max": MAX_POINTS})
            self.points_sent += sum(len(points) for points in batch.values())
            self.messages_sent += 1


class _Feeder(threading.Thread):
    def __init__(self, card: RunCard) -> None:
        super().__init__(name=f"nbrun-card-{card.run_id}", daemon=True)
        self.card = card
        self.cursor = 0
        self.stride: dict[str, int] = {}
        self.seen: dict[str, int] = {}
        self.kept: dict[str, int] = {}
        self.finished = threading.Event()

    def thin(self, chunks: list[tuple[str, Any, Any]]) -> dict[str, list[list[float]]]:
        """Keep every stride-th point of each series; double the stride (and tell the front
        end to halve what it holds) whenever a series would pass MAX_POINTS."""
        out: dict[str, list[list[float]]] = {}
        for key, steps, values in chunks:
            for step, value in zip(steps, values):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    continue
                stride = self.stride.setdefault(key, 1)
                seen = self.seen.get(key, 0)
                self.seen[key] = seen + 1
                if seen % stride:
                    continue
                if self.kept.get(key, 0) >= MAX_POINTS:
                    self.stride[key] = stride * 2
                    self.kept[key] = self.kept[key] // 2
                    out.setdefault(key, []).append(["halve"])  # type: ignore[list-item]
                    if seen % (stride * 2):
                        continue
                self.kept[key] = self.kept.get(key, 0) + 1
                out.setdefault(key, []).append([step, _finite(value)])
        return out

    def run(self) -> None:
        while True:
            done = self.card._run.state != "running"
            try:
                self.card.refresh()
            except Exception:  # the kernel is shutting down or the card was closed
                return
            if done:
                self.finished.set()
                return
            self.finished.wait(INTERVAL_S)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _scalars(summary: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in list(summary.items())[:50]:
        if isinstance(value, float) and not math.isfinite(value):
            value = str(value)
        if isinstance(value, (int, float, str, bool)):
            out[key] = value
    return out
