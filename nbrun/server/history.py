"""One history key as a chart series: its live chunks joined in step order, the points that
cannot be charted dropped, downsampled, and made JSON-safe."""

from __future__ import annotations

import numbers
from array import array
from typing import Any, Sequence

from ..store import series
from ..store.history import HistoryChunk
from . import downsample


def _chartable(value: Any) -> float | None:
    """The value as a chart's float; None for what a chart cannot show (text, bools, which
    are ints to Python, and integers beyond the float range)."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def join_chunks(chunks: Sequence[HistoryChunk]) -> tuple[array, array]:
    """Steps (int64) and values (float64, or int64 when every chunk holds ints) of a key.

    Chunks of plain numbers are joined with C-level ``array.extend``; JSON chunks (strings,
    media, mixed types) keep only their numbers. Chunks come ordered by their first step; one
    that overlaps its predecessor (never written by nbrun, but cheap to guard) makes the whole
    series be sorted by step.
    """
    integral = all(kind == "q" for _, _, kind, _, _ in chunks)
    steps, values = array("q"), array("q" if integral else "d")
    ordered, last_hi = True, None
    for lo, hi, kind, steps_blob, vals_blob in chunks:
        if last_hi is not None and lo < last_hi:
            ordered = False
        last_hi = hi if last_hi is None else max(hi, last_hi)
        chunk_steps, chunk_vals = series.decode(kind, steps_blob, vals_blob)
        if kind == "j":
            pairs = [(s, f) for s, v in zip(chunk_steps, chunk_vals)
                     if (f := _chartable(v)) is not None]
            steps.extend(s for s, _ in pairs)
            values.extend(v for _, v in pairs)
        elif chunk_vals.typecode == values.typecode:
            steps.extend(chunk_steps)
            values.extend(chunk_vals)
        else:  # ints after floats: floats for all
            steps.extend(chunk_steps)
            values.extend(map(float, chunk_vals))
    if not ordered:
        order = sorted(range(len(steps)), key=steps.__getitem__)
        steps = array("q", (steps[i] for i in order))
        values = array(values.typecode, (values[i] for i in order))
    return steps, values


def join_chunks_numpy(chunks: Sequence[HistoryChunk]) -> tuple[Any, Any]:
    """``join_chunks`` with numpy: the packed columns are read in place (the store writes
    them little-endian, see ``series``) and copied once, by the concatenation."""
    np = downsample.np
    integral = all(kind == "q" for _, _, kind, _, _ in chunks)
    steps, values = [], []
    ordered, last_hi = True, None
    for lo, hi, kind, steps_blob, vals_blob in chunks:
        if last_hi is not None and lo < last_hi:
            ordered = False
        last_hi = hi if last_hi is None else max(hi, last_hi)
        if kind == "j":
            chunk_steps, chunk_vals = join_chunks([(lo, hi, kind, steps_blob, vals_blob)])
            steps.append(np.frombuffer(chunk_steps, dtype=np.int64))
            values.append(np.frombuffer(chunk_vals, dtype=np.float64))
        else:
            steps.append(np.frombuffer(steps_blob, dtype="<i8"))
            values.append(np.frombuffer(vals_blob, dtype="<f8" if kind == "d" else "<i8"))
    dtype = np.int64 if integral else np.float64
    if not steps:
        return np.zeros(0, np.int64), np.zeros(0, dtype)
    all_steps = np.concatenate(steps).astype(np.int64, copy=False)
    all_values = np.concatenate(values).astype(dtype, copy=False)
    if not ordered:
        order = np.argsort(all_steps, kind="stable")
        all_steps, all_values = all_steps[order], all_values[order]
    return all_steps, all_values


def series_json(chunks: Sequence[HistoryChunk], points: int,
                since_step: int | None = None) -> dict[str, list]:
    """``{"steps": [...], "values": [...]}`` with at most ``points`` points; with
    ``since_step``, of the points after that step only (a live chart's new points)."""
    if since_step is not None:
        return _since(chunks, points, since_step)
    np = downsample.np
    if np is not None:
        steps, values = join_chunks_numpy(chunks)
        keep = downsample.select(values, points)
        if not isinstance(keep, range):
            idx = np.asarray(keep, dtype=np.intp)
            steps, values = steps[idx], values[idx]
        return {"steps": steps.tolist(), "values": downsample.finite_or_none(values.tolist())}
    steps, values = join_chunks(chunks)
    keep = downsample.select(values, points)
    return {"steps": [steps[i] for i in keep],
            "values": downsample.finite_or_none([values[i] for i in keep])}


def _since(chunks: Sequence[HistoryChunk], points: int, since_step: int) -> dict[str, list]:
    # Chunks are ordered by their first step and hold a step range: older ones are skipped
    # without being decoded, so a live poll costs what is new, not the whole series.
    recent = [c for c in chunks if c[1] > since_step]
    steps, values = join_chunks(recent)
    first = next((i for i, s in enumerate(steps) if s > since_step), len(steps))
    steps, values = steps[first:], values[first:]
    keep = downsample.select(values, points)
    return {"steps": [steps[i] for i in keep],
            "values": downsample.finite_or_none([values[i] for i in keep])}
