"""Columnar encoding of history: per key, a chunk of steps (int64) and values.

Columns of plain floats or ints are stored as packed machine arrays, so reading a key with a
million points is a few ``frombytes`` calls; anything else (strings, bools, mixed types) is JSON.
NaN and infinities survive both encodings.
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

Chunk = tuple[str, int, int, int, str, bytes, bytes]  # key, lo, hi, n, kind, steps, vals


STEP = "_step"  # each queued row is a dict of its values plus its step under this key


def columns(rows: Sequence[dict[str, Any]]) -> dict[str, tuple[Sequence[int], list[Any]]]:
    """Regroup rows (``{STEP: step, key: value, ...}``) into per-key step and value lists."""
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
            return {key: (steps, list(map(itemgetter(key), rows)))
                    for key in first if key != STEP}
        except KeyError:
            pass
    cols: dict[str, tuple[list[int], list[Any]]] = {}
    for data in rows:
        step = data[STEP]
        for key, value in data.items():
            if key == STEP:
                continue
            col = cols.get(key)
            if col is None:
                col = cols[key] = ([], [])
            col[0].append(step)
            col[1].append(value)
    return cols


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
           steps_blob: bytes | None = None) -> Chunk:
    """One chunk of a key's points (``steps_blob``: ``steps`` already packed)."""
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
    return key, steps[0], steps[-1], len(steps), kind, steps_blob, vals


def pack_steps(steps: Sequence[int]) -> bytes:
    return _pack("q", steps)


def encode_chunks(key: str, steps: Sequence[int], values: list[Any],
                  steps_blob: bytes | None = None, types: set | None = None) -> list[Chunk]:
    """A key's points as one chunk, or several when their text would make one blob large
    (``types``: the set of the values' types, when already known)."""
    if types is None:
        types = set(map(type, values))
    if (str in types and len(values) > 1
            and sum(len(v) for v in values if type(v) is str) > CHUNK_TEXT_MAX):
        half = len(values) // 2
        return (encode_chunks(key, steps[:half], values[:half])
                + encode_chunks(key, steps[half:], values[half:]))
    return [encode(key, steps, values, types, steps_blob)]


def decode(kind: str, steps_blob: bytes, vals_blob: bytes) -> tuple[array, list[Any] | array]:
    steps = _unpack("q", steps_blob)
    if kind == "j":
        return steps, json.loads(vals_blob)
    return steps, _unpack(kind, vals_blob)


def iter_points(kind: str, steps_blob: bytes, vals_blob: bytes) -> Iterator[tuple[int, Any]]:
    steps, vals = decode(kind, steps_blob, vals_blob)
    return zip(steps, vals)
