"""Columnar encoding of history: per key, a chunk of steps (int64) and values.

Columns of plain floats or ints are stored as packed machine arrays, so reading a key with a
million points is a few ``frombytes`` calls; anything else (strings, bools, mixed types) is JSON.
NaN and infinities survive both encodings. Each point's wall time (when ``log()`` took it, in
seconds) is packed the same way, float64, NaN where it is unknown.
"""

from __future__ import annotations

import json
import struct
import sys
from array import array
from operator import itemgetter
from typing import Any, Iterator, Sequence

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_BIG = sys.byteorder == "big"
CHUNK_TEXT_MAX = 16 << 20  # characters of text per JSON chunk: far below SQLite's 1 GB blob limit

# key, lo, hi, n, kind, steps, vals, walls (None: the chunk's commit time stands for each point)
Chunk = tuple[str, int, int, int, str, bytes, bytes, "bytes | None"]
Column = tuple[Sequence[int], list[Any], "Sequence[float] | None"]  # steps, values, walls

# Each queued row is a dict of its values plus its step under STEP (a key log() refuses) and
# the time it was logged (time.time()) under WALL, a key no logged value can have (keys are str).
STEP = "_step"
WALL = None
_NAN = float("nan")


def columns(rows: Sequence[dict[str, Any]]) -> dict[str, Column]:
    """Regroup rows (``{STEP: step, WALL: time, key: value, ...}``) into per-key steps, values
    and wall times (None when no row has one; NaN for a row without)."""
    if not rows:
        return {}
    # The usual batch logs the same keys at every step: then each column is one C-level map
    # instead of a Python loop over every value (the profile's largest cost in the writer).
    first = rows[0]
    if len(set(map(len, rows))) == 1:
        try:
            # Steps only grow, so a batch spanning exactly its length is consecutive.
            lo, hi = first[STEP], rows[-1][STEP]
            steps: Sequence[int] = (range(lo, hi + 1) if hi - lo == len(rows) - 1
                                    else list(map(itemgetter(STEP), rows)))
            walls = list(map(itemgetter(WALL), rows)) if WALL in first else None
            return {key: (steps, list(map(itemgetter(key), rows)), walls)
                    for key in first if key != STEP and key != WALL}
        except KeyError:
            pass
    cols: dict[str, tuple[list[int], list[Any], list[float]]] = {}
    timed = False
    for data in rows:
        step = data[STEP]
        wall = data.get(WALL, _NAN)
        timed = timed or WALL in data
        for key, value in data.items():
            if key == STEP or key == WALL:
                continue
            col = cols.get(key)
            if col is None:
                col = cols[key] = ([], [], [])
            col[0].append(step)
            col[1].append(value)
            col[2].append(wall)
    return {key: (steps, vals, walls if timed else None)
            for key, (steps, vals, walls) in cols.items()}


def _pack(code: str, values: Sequence[Any]) -> bytes:
    # Little-endian on every machine, so a copied database stays readable. struct packs a list
    # four times faster than array() builds one (which converts element by element), and a
    # range more than five times faster.
    return struct.pack(f"<{len(values)}{code}", *values)


def _unpack(code: str, blob: bytes) -> array:
    arr = array(code)
    arr.frombytes(blob)
    if _BIG:
        arr.byteswap()
    return arr


def encode(key: str, steps: Sequence[int], values: list[Any], types: set | None = None,
           steps_blob: bytes | None = None, walls: Sequence[float] | None = None,
           walls_blob: bytes | None = None) -> Chunk:
    """One chunk of a key's points (``steps_blob``, ``walls_blob``: ``steps``, ``walls``
    already packed)."""
    if types is None:
        types = set(map(type, values))
    if types == {float}:
        kind, vals = "d", _pack("d", values)
    elif types == {int} and _INT64_MIN <= min(values) and max(values) <= _INT64_MAX:
        kind, vals = "q", _pack("q", values)
    else:
        kind, vals = "j", json.dumps(values, allow_nan=True).encode()
    if steps_blob is None:
        steps_blob = _pack("q", steps)
    if walls_blob is None:
        walls_blob = pack_walls(walls)
    return key, steps[0], steps[-1], len(steps), kind, steps_blob, vals, walls_blob


def pack_steps(steps: Sequence[int]) -> bytes:
    return _pack("q", steps)


def pack_walls(walls: Sequence[float] | None) -> bytes | None:
    if walls is None:
        return None
    if type(walls) is array and walls.typecode == "d" and not _BIG:
        return walls.tobytes()
    return _pack("d", walls)


def decode_walls(blob: bytes | None) -> array | None:
    """Each point's wall time in seconds (NaN where unknown), or None when the chunk kept
    none (its commit time stands for every point)."""
    return None if blob is None else _unpack("d", blob)


def encode_chunks(key: str, steps: Sequence[int], values: list[Any],
                  steps_blob: bytes | None = None, types: set | None = None,
                  walls: Sequence[float] | None = None, walls_blob: bytes | None = None
                  ) -> list[Chunk]:
    """A key's points as one chunk, or several when their text would make one blob large
    (``types``: the set of the values' types, when already known)."""
    if types is None:
        types = set(map(type, values))
    if (str in types and len(values) > 1
            and sum(len(v) for v in values if type(v) is str) > CHUNK_TEXT_MAX):
        half = len(values) // 2
        head = None if walls is None else walls[:half]
        tail = None if walls is None else walls[half:]
        return (encode_chunks(key, steps[:half], values[:half], walls=head)
                + encode_chunks(key, steps[half:], values[half:], walls=tail))
    return [encode(key, steps, values, types, steps_blob, walls, walls_blob)]


def decode(kind: str, steps_blob: bytes, vals_blob: bytes) -> tuple[array, list[Any] | array]:
    steps = _unpack("q", steps_blob)
    if kind == "j":
        return steps, json.loads(vals_blob)
    return steps, _unpack(kind, vals_blob)


def iter_points(kind: str, steps_blob: bytes, vals_blob: bytes) -> Iterator[tuple[int, Any]]:
    steps, vals = decode(kind, steps_blob, vals_blob)
    return zip(steps, vals)
