"""Columnar encoding of history: per key, a chunk of steps (int64) and values.

Columns of plain floats or ints are stored as packed machine arrays, so reading a key with a
million points is a few ``frombytes`` calls; anything else (strings, bools, mixed types) is JSON.
NaN and infinities survive both encodings.
"""

from __future__ import annotations

import json
import sys
from array import array
from operator import itemgetter
from typing import Any, Iterator, Sequence

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_BIG = sys.byteorder == "big"
_first, _second = itemgetter(0), itemgetter(1)
CHUNK_TEXT_MAX = 16 << 20  # characters of text per JSON chunk: far below SQLite's 1 GB blob limit

Chunk = tuple[str, int, int, int, str, bytes, bytes]  # key, lo, hi, n, kind, steps, vals


def columns(rows: Sequence[tuple[int, dict[str, Any]]]
            ) -> dict[str, tuple[Sequence[int], list[Any]]]:
    """Regroup ``(step, {key: value})`` rows into per-key step and value lists."""
    if not rows:
        return {}
    # The usual batch logs the same keys at every step: then each column is one C-level map
    # instead of a Python loop over every value (the profile's largest cost in the writer).
    dicts = list(map(_second, rows))
    first = dicts[0]
    if len(set(map(len, dicts))) == 1:
        try:
            lo, hi = rows[0][0], rows[-1][0]
            # Steps only grow, so a batch spanning exactly its length is consecutive.
            steps = range(lo, hi + 1) if hi - lo == len(rows) - 1 else list(map(_first, rows))
            return {key: (steps, list(map(itemgetter(key), dicts))) for key in first}
        except KeyError:
            pass
    cols: dict[str, tuple[list[int], list[Any]]] = {}
    for step, data in rows:
        for key, value in data.items():
            col = cols.get(key)
            if col is None:
                col = cols[key] = ([], [])
            col[0].append(step)
            col[1].append(value)
    return cols


def _pack(code: str, values: list[Any]) -> bytes:
    arr = array(code, values)
    if _BIG:  # the store is little-endian on every machine so a copied database stays readable
        arr.byteswap()
    return arr.tobytes()


def _unpack(code: str, blob: bytes) -> array:
    arr = array(code)
    arr.frombytes(blob)
    if _BIG:
        arr.byteswap()
    return arr


def encode(key: str, steps: list[int], values: list[Any], types: set | None = None) -> Chunk:
    """One chunk of a key's points."""
    if types is None:
        types = set(map(type, values))
    if types == {float}:
        kind, vals = "d", _pack("d", values)
    elif types == {int} and _INT64_MIN <= min(values) and max(values) <= _INT64_MAX:
        kind, vals = "q", _pack("q", values)
    else:
        kind, vals = "j", json.dumps(values, allow_nan=True).encode()
    return key, steps[0], steps[-1], len(steps), kind, _pack("q", steps), vals


def encode_chunks(key: str, steps: list[int], values: list[Any]) -> list[Chunk]:
    """A key's points as one chunk, or several when their text would make one blob large."""
    types = set(map(type, values))
    if (str in types and len(values) > 1
            and sum(len(v) for v in values if type(v) is str) > CHUNK_TEXT_MAX):
        half = len(values) // 2
        return (encode_chunks(key, steps[:half], values[:half])
                + encode_chunks(key, steps[half:], values[half:]))
    return [encode(key, steps, values, types)]


def decode(kind: str, steps_blob: bytes, vals_blob: bytes) -> tuple[array, list[Any] | array]:
    steps = _unpack("q", steps_blob)
    if kind == "j":
        return steps, json.loads(vals_blob)
    return steps, _unpack(kind, vals_blob)


def iter_points(kind: str, steps_blob: bytes, vals_blob: bytes) -> Iterator[tuple[int, Any]]:
    steps, vals = decode(kind, steps_blob, vals_blob)
    return zip(steps, vals)
