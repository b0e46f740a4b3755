"""One history key as a chart series: its live chunks joined in step order, the points that
cannot be charted dropped, downsampled, and made JSON-safe."""

from __future__ import annotations

import math
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


def _wall(chunk: HistoryChunk) -> float:
    """The chunk's commit time in seconds, NaN when unknown (written before schema 4, or a
    chunk built without one)."""
    ms = chunk[5] if len(chunk) > 5 else None
    return math.nan if ms is None else ms / 1000


def _walls(chunk: HistoryChunk, n: int) -> array:
    """Each of the chunk's ``n`` points' time in seconds: the time it was logged, else (a
    chunk written before schema 6, a point that came without one) the chunk's commit time."""
    fallback = _wall(chunk)
    walls = series.decode_walls(chunk[6] if len(chunk) > 6 else None)
    if walls is None:
        return array("d", [fallback]) * n
    if fallback == fallback and any(map(math.isnan, walls)):
        walls = array("d", (fallback if w != w else w for w in walls))
    return walls


def _walls_numpy(chunk: HistoryChunk, n: int) -> Any:
    np = downsample.np
    blob = chunk[6] if len(chunk) > 6 else None
    if blob is None:
        return np.full(n, _wall(chunk))
    walls = np.frombuffer(blob, dtype="<f8")
    return np.where(np.isnan(walls), _wall(chunk), walls)


def join_chunks(chunks: Sequence[HistoryChunk]) -> tuple[array, array]:
    """Steps (int64) and values (float64, or int64 when every chunk holds ints) of a key."""
    steps, values, _ = join_timed(chunks)
    return steps, values


def join_timed(chunks: Sequence[HistoryChunk]) -> tuple[array, array, array]:
    """Steps, values and wall times (seconds, float64; NaN when unknown) of a key.

    Chunks of plain numbers are joined with C-level ``array.extend``; JSON chunks (strings,
    media, mixed types) keep only their numbers. Chunks come ordered by their first step; one
    that overlaps its predecessor (never written by nbrun, but cheap to guard) makes the whole
    series be sorted by step.

    Each point's time is the time ``log()`` took it (kept per point since schema 6); a point
    stored before that has its chunk's commit time, the moment it reached the store (late by
    at most the writer's interval), never a time interpolated between commits. It is also the
    timestamp the sync sends to MLflow for the same point.
    """
    integral = all(c[2] == "q" for c in chunks)
    steps, values = array("q"), array("q" if integral else "d")
    walls = array("d")
    ordered = _in_step_order(chunks)
    for chunk in chunks:
        kind, steps_blob, vals_blob = chunk[2:5]
        chunk_steps, chunk_vals = series.decode(kind, steps_blob, vals_blob)
        chunk_walls = _walls(chunk, len(chunk_steps))
        if kind == "j":
            kept = [(s, f, w) for s, v, w in zip(chunk_steps, chunk_vals, chunk_walls)
                    if (f := _chartable(v)) is not None]
            steps.extend(s for s, _, _ in kept)
            values.extend(v for _, v, _ in kept)
            walls.extend(w for _, _, w in kept)
            continue
        if chunk_vals.typecode == values.typecode:
            steps.extend(chunk_steps)
            values.extend(chunk_vals)
        else:  # ints after floats: floats for all
            steps.extend(chunk_steps)
            values.extend(map(float, chunk_vals))
        walls.extend(chunk_walls)
    if not ordered:
        order = sorted(range(len(steps)), key=steps.__getitem__)
        steps = array("q", (steps[i] for i in order))
        values = array(values.typecode, (values[i] for i in order))
        walls = array("d", (walls[i] for i in order))
    return steps, values, walls


def _in_step_order(chunks: Sequence[HistoryChunk]) -> bool:
    """Whether no chunk starts before an earlier one ends (a rewind or a sync can interleave
    them): then the joined columns need no sort."""
    last_hi = None
    for lo, hi, *_ in chunks:
        if last_hi is not None and lo < last_hi:
            return False
        last_hi = hi if last_hi is None else max(hi, last_hi)
    return True


def join_chunks_numpy(chunks: Sequence[HistoryChunk]) -> tuple[Any, Any, Any]:
    """``join_timed`` with numpy: the packed columns are read in place (the store writes
    them little-endian, see ``series``) and copied once, by the concatenation."""
    np = downsample.np
    integral = all(c[2] == "q" for c in chunks)
    steps, values, walls = [], [], []
    ordered = _in_step_order(chunks)
    for chunk in chunks:
        kind, steps_blob, vals_blob = chunk[2:5]
        if kind == "j":
            chunk_steps, chunk_vals, chunk_walls = join_timed([chunk])
            steps.append(np.frombuffer(chunk_steps, dtype=np.int64))
            values.append(np.frombuffer(chunk_vals, dtype=np.float64))
            walls.append(np.frombuffer(chunk_walls, dtype=np.float64))
        else:
            steps.append(np.frombuffer(steps_blob, dtype="<i8"))
            values.append(np.frombuffer(vals_blob, dtype="<f8" if kind == "d" else "<i8"))
            walls.append(_walls_numpy(chunk, len(steps[-1])))
    dtype = np.int64 if integral else np.float64
    if not steps:
        return np.zeros(0, np.int64), np.zeros(0, dtype), np.zeros(0)
    all_steps = np.concatenate(steps).astype(np.int64, copy=False)
    all_values = np.concatenate(values).astype(dtype, copy=False)
    all_walls = np.concatenate(walls)
    if not ordered:
        order = np.argsort(all_steps, kind="stable")
        all_steps, all_values, all_walls = all_steps[order], all_values[order], all_walls[order]
    return all_steps, all_values, all_walls


def series_json(chunks: Sequence[HistoryChunk], points: int,
                since_step: int | None = None, times: bool = False) -> dict[str, list]:
    """``{"steps": [...], "values": [...]}`` with at most ``points`` points; with
    ``since_step``, of the points after that step only (a live chart's new points); with
    ``times``, also ``"walls"``: each point's time in seconds since the epoch (null when the
    store did not keep it), picked by the same downsampling as its value."""
    np = downsample.np
    if since_step is not None:
        # Chunks are ordered by their first step and hold a step range: older ones are
        # skipped without being decoded, so a live poll costs what is new, not the series.
        steps, values, walls = join_timed([c for c in chunks if c[1] > since_step])
        first = next((i for i, s in enumerate(steps) if s > since_step), len(steps))
        steps, values, walls = steps[first:], values[first:], walls[first:]
    elif np is not None:
        steps, values, walls = join_chunks_numpy(chunks)
        keep = downsample.select(values, points)
        if not isinstance(keep, range):
            idx = np.asarray(keep, dtype=np.intp)
            steps, values, walls = steps[idx], values[idx], walls[idx]
        return _json(steps.tolist(), values.tolist(), walls.tolist() if times else None)
    else:
        steps, values, walls = join_timed(chunks)
    keep = downsample.select(values, points)
    return _json([steps[i] for i in keep], [values[i] for i in keep],
                 [walls[i] for i in keep] if times else None)


def _json(steps: list, values: list, walls: list | None) -> dict[str, list]:
    out = {"steps": steps, "values": downsample.finite_or_none(values)}
    if walls is not None:
        out["walls"] = downsample.finite_or_none(walls)
    return out
