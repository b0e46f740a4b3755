"""History chunks of the store as ready-made ``runs/log-batch`` bodies.

A batch holds at most 1000 points (the server's limit for metrics and for entities) and stays far
below 1 MB. Each point keeps the wall time of the chunk it was committed in, so the same point
always has the same (key, step, timestamp, value), which is what the server dedupes on.
Bodies are assembled from pre-encoded JSON fragments: one prefix per chunk, then one short
format per point.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable

from ..store.syncstate import Chunk
from .mapping import mlflow_key, value_literal

MAX_POINTS = 1000
MAX_BYTES = 900_000


@dataclass
class Batch:
    """Points from the position (``start_cursor``, ``start_partial``) up to (``cursor``,
    ``partial``); ``entries`` are the JSON objects of the points to send."""

    entries: list[str] = field(default_factory=list)
    points: list[tuple[str, int, int, str]] = field(default_factory=list)  # key, step, ms, lit
    keys: dict[str, str] = field(default_factory=dict)  # mlflow key -> nbrun key (when mapped)
    consumed: int = 0  # points of the store covered (sent or not sendable, e.g. strings)
    cursor: int = 0
    partial: int = 0
    size: int = 0

    def body(self, run_id: str, entries: list[str] | None = None) -> str:
        return ('{"run_id":' + json.dumps(run_id) + ',"metrics":['
                + ",".join(self.entries if entries is None else entries) + "]}")


def next_batch(chunks: Iterable[Chunk], cursor: int, partial: int, default_ms: int,
               limit: int = MAX_POINTS) -> Batch:
    """The next batch after position (cursor, partial); empty when nothing is pending."""
    batch = Batch(cursor=cursor, partial=partial)
    first = True
    for chunk in chunks:
        start = partial if first else 0
        first = False
        n = len(chunk.steps)
        if start >= n:  # a chunk shortened in place by a fork's split: its rest is sent
            batch.cursor, batch.partial = chunk.rowid, 0
            continue
        key = mlflow_key(chunk.key)
        if key != chunk.key:
            batch.keys[key] = chunk.key
        ms = chunk.wall if chunk.wall is not None else default_ms
        head = '{"key":' + json.dumps(key) + ',"timestamp":' + str(ms) + ',"step":'
        room = limit - len(batch.entries)
        stop = min(n, start + room)
        steps, values = chunk.steps, chunk.values
        entries, points = batch.entries, batch.points
        for i in range(start, stop):
            lit = value_literal(values[i])
            if lit is None:  # strings and other non-numbers cannot be MLflow metrics
                continue
            step = steps[i]
            entry = f'{head}{step},"value":{lit}}}'
            entries.append(entry)
            points.append((key, step, ms, lit))
            batch.size += len(entry) + 1
        batch.consumed += stop - start
        if stop < n:
            batch.cursor, batch.partial = chunk.rowid - 1, stop
            return batch
        batch.cursor, batch.partial = chunk.rowid, 0
        if len(batch.entries) >= limit or batch.size >= MAX_BYTES:
            return batch
    return batch


def drop_present(batch: Batch, present: set[tuple[str, int, int, str]]) -> None:
    """Remove the points the server already holds (after an unclean stop)."""
    keep = [i for i, p in enumerate(batch.points) if p not in present]
    batch.entries = [batch.entries[i] for i in keep]
    batch.points = [batch.points[i] for i in keep]
