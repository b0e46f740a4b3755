"""A history key's last, smallest and largest value and the step each was reached at (what
MLflow's run page shows per metric), over every stored point, not the downsampled ones."""

from __future__ import annotations

import math
from typing import Any, Sequence

from ..store.history import HistoryChunk
from . import downsample
from .history import join_chunks, join_chunks_numpy


def key_stats(chunks: Sequence[HistoryChunk]) -> dict[str, Any] | None:
    """``{"last", "last_step", "min", "min_step", "max", "max_step", "count"}`` of the key's
    finite numbers (the first step where a value is reached); None when it has none."""
    np = downsample.np
    if np is not None:
        steps, values, _ = join_chunks_numpy(chunks)
        if values.dtype.kind == "f":
            finite = np.isfinite(values)
            steps, values = steps[finite], values[finite]
        if not len(values):
            return None
        lo, hi = int(np.argmin(values)), int(np.argmax(values))
        return _stats(values.tolist(), steps.tolist(), lo, hi)
    steps, values = join_chunks(chunks)
    kept = [(s, v) for s, v in zip(steps, values) if math.isfinite(v)]
    if not kept:
        return None
    plain_steps, plain_values = [s for s, _ in kept], [v for _, v in kept]
    lo = min(range(len(kept)), key=plain_values.__getitem__)
    hi = max(range(len(kept)), key=lambda i: (plain_values[i], -i))
    return _stats(plain_values, plain_steps, lo, hi)


def _stats(values: list, steps: list, lo: int, hi: int) -> dict[str, Any]:
    return {"last": values[-1], "last_step": steps[-1], "min": values[lo],
            "min_step": steps[lo], "max": values[hi], "max_step": steps[hi],
            "count": len(values)}
