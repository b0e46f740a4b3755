"""A history key's x values on its ``define_metric`` step metric: for each point of the key,
the step metric's value logged in the same history row (the same step).

As the run card does (nbrun/notebook/axes.py): where the step metric was not logged at that
step, ``step_sync`` takes its latest value before it; without it the point has no x (null)."""

from __future__ import annotations

import bisect
from typing import Any, Mapping, Sequence

from ..store.history import HistoryChunk
from . import history


def metric_chunks(chunks: Sequence[HistoryChunk], since_step: int | None
                  ) -> list[HistoryChunk]:
    """The step metric's chunks a poll after ``since_step`` needs: those holding later steps,
    and the one ending last before them (its latest value fills a point that needs it)."""
    if since_step is None:
        return list(chunks)
    later = [c for c in chunks if c[1] > since_step]
    earlier = [c for c in chunks if c[1] <= since_step]
    return ([max(earlier, key=lambda c: c[1])] if earlier else []) + later


def x_values(metric: Sequence[HistoryChunk], steps: Sequence[int], sync: bool
             ) -> list[float | None]:
    """The step metric's value at each of ``steps`` (null where it has none)."""
    m_steps, m_values = history.join_chunks(metric)
    values = [v if v == v and v not in (float("inf"), float("-inf")) else None
              for v in m_values]
    exact = dict(zip(m_steps, values))
    out: list[float | None] = []
    for step in steps:
        if step in exact or not sync:
            out.append(exact.get(step))
            continue
        i = bisect.bisect_right(m_steps, step)
        out.append(values[i - 1] if i else None)
    return out


def add_x(series: dict[str, dict[str, Any]], options: Mapping[str, Mapping[str, Any]],
          chunks: Mapping[str, Sequence[HistoryChunk]], since_step: int | None) -> None:
    """Give each series whose key has a step metric (``options``, see
    ``metricdefs.chart_options``) an ``x`` list beside its ``steps``."""
    for key, option in options.items():
        metric = option.get("step_metric")
        if key not in series or not metric:
            continue
        picked = metric_chunks(chunks.get(metric, []), since_step)
        series[key]["x"] = x_values(picked, series[key]["steps"], bool(option.get("step_sync")))
