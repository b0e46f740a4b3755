"""The run card's x axes: a key that ``define_metric`` gave a step metric (``epoch``) is charted
against that metric's value at each point, and a hidden key is not charted at all.

Where the step metric was not logged at a point's own step, ``step_sync`` (on by default with a
step metric) takes its latest value before it, as the contract's tracker fills it in; without
``step_sync`` the point has no x and is left out. Only the latest value of each step metric is
kept between batches, so the memory stays bounded however long the run.
"""

from __future__ import annotations

import bisect
import math
from typing import Any, Mapping

from ..sdk.metrics import chart_options

Chunk = tuple[str, Any, Any]  # (key, steps, values) as the store's tail returns them


class StepAxes:
    def __init__(self) -> None:
        self.latest: dict[str, tuple[int, float]] = {}  # step metric -> (step, value)
        self.axes: dict[str, str] = {}  # charted key -> its step metric

    def arrange(self, chunks: list[Chunk], definitions: Mapping[str, Any]) -> list[Chunk]:
        """``chunks`` with hidden keys left out and keys that have a step metric given its
        values as their x."""
        if not definitions:
            return chunks
        options = chart_options(definitions, {key for key, _, _ in chunks})
        if not options:
            return chunks
        wanted = {o["step_metric"] for o in options.values() if o["step_metric"]}
        batch: dict[str, list[tuple[int, float]]] = {m: [] for m in wanted}
        for key, steps, values in chunks:
            if key in batch:
                batch[key].extend((s, v) for s, v in zip(steps, values) if _number(v))
        lookups = {m: _Lookup(sorted(points), self.latest.get(m)) for m, points in batch.items()}
        out: list[Chunk] = []
        for key, steps, values in chunks:
            option = options.get(key)
            if option is None:
                out.append((key, steps, values))
            elif option["hidden"]:
                continue
            elif option["step_metric"] is None:
                out.append((key, steps, values))
            else:
                metric = option["step_metric"]
                self.axes[key] = metric
                xs, ys = lookups[metric].against(steps, values, option["step_sync"])
                out.append((key, xs, ys))
        for metric, points in batch.items():
            if points:
                newest = max(points)
                if metric not in self.latest or newest[0] >= self.latest[metric][0]:
                    self.latest[metric] = newest
        return out


class _Lookup:
    """A step metric's points of one batch (sorted by step) and its latest before them."""

    def __init__(self, points: list[tuple[int, float]], before: tuple[int, float] | None) -> None:
        self.steps = [p[0] for p in points]
        self.values = [p[1] for p in points]
        self.exact = dict(points)
        self.before = before

    def at(self, step: int, sync: bool) -> float | None:
        found = self.exact.get(step)
        if found is not None or not sync:
            return found
        i = bisect.bisect_right(self.steps, step)
        if i:
            return self.values[i - 1]
        if self.before is not None and self.before[0] <= step:
            return self.before[1]
        return None

    def against(self, steps: Any, values: Any, sync: bool) -> tuple[list, list]:
        xs, ys = [], []
        for step, value in zip(steps, values):
            x = self.at(step, sync)
            if x is not None:
                xs.append(x)
                ys.append(value)
        return xs, ys


def _number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)
