"""History chunks of the store as ready-made ``runs/log-batch`` bodies.

A batch holds at most 1000 points (the server's limit for metrics and for entities) and stays far
below 1 MB. Each point's timestamp is the time ``log()`` took it, in ms, as stored (a point
stored before per-point times has its chunk's commit time), so the same point always has the
same (key, step, timestamp, value), which is what the server dedupes on. Bodies are assembled
from pre-encoded JSON fragments: one prefix per chunk, then one short format per point.
"""

from __future__ import annotations

import json
import math
from array import array
from dataclasses import dataclass, field
from typing import Any, Iterable

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
        room = limit - len(batch.entries)
        stop = min(n, start + room)
        steps = chunk.steps[start:stop]
        lits = _literals(chunk.values[start:stop])
        if chunk.walls is None:
            head = '{"key":' + json.dumps(key) + ',"timestamp":' + str(ms) + ',"step":'
            pairs = [(s, v) for s, v in zip(steps, lits) if v is not None]  # no strings
            new = [f'{head}{s},"value":{v}}}' for s, v in pairs]
            batch.points += [(key, s, ms, v) for s, v in pairs]
        else:
            head = '{"key":' + json.dumps(key) + ',"timestamp":'
            times = [int(t * 1000) if t == t else ms for t in chunk.walls[start:stop]]
            triples = [(s, t, v) for s, t, v in zip(steps, times, lits) if v is not None]
            new = [f'{head}{t},"step":{s},"value":{v}}}' for s, t, v in triples]
            batch.points += [(key, s, t, v) for s, t, v in triples]
        batch.entries += new
        batch.size += sum(map(len, new)) + len(new)
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


_SPECIAL = {"nan": '"NaN"', "inf": value_literal(math.inf), "-inf": value_literal(-math.inf)}


def _literals(values: Any) -> list[str | None]:
    """JSON text of each value (None for a non-number). Packed float and int columns take a
    path without a function call per value; a JSON column goes value by value."""
    if isinstance(values, array):
        lits = list(map(repr, values if values.typecode == "d" else map(float, values)))
        if "nan" in lits or "inf" in lits or "-inf" in lits:
            lits = [_SPECIAL.get(v, v) for v in lits]
        return lits
    return [value_literal(v) for v in values]
