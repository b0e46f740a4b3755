"""What the writer sets aside: encoding rows value by value when a batch cannot be encoded,
telling a failure of the store from a failure of one value, and describing what was set aside.
"""

from __future__ import annotations

from typing import Any

from . import series
from .records import dumps, encode_fields

Rows = list[dict[str, Any]]  # each row holds its step under series.STEP
# A column to encode: steps, values, the set of their types (None: not known yet), wall times.
Col = tuple[Any, list[Any], "set | None", Any]
_NAN = float("nan")


def encode_rows(rows: Rows) -> tuple[list[series.Chunk], list[dict[str, Any]]]:
    """Chunks for the rows; a key whose column cannot be encoded is encoded point by point,
    and the points that still fail are returned to be set aside."""
    return encode_columns({key: (steps, vals, None, walls)
                           for key, (steps, vals, walls) in series.columns(rows).items()})


def encode_segments(segments: list) -> tuple[list[series.Chunk], list[dict[str, Any]],
                                              int | None]:
    """``encode_rows`` for a writer batch (``channel.Segment``s, oldest first), with the step
    of its last row (None when it has none)."""
    if not segments:
        return [], [], None
    parts = [_segment_columns(seg) for seg in segments]
    last = segments[-1]
    last_step = last.steps[-1] if last.block is not None else last.rows[-1][series.STEP]
    if len(parts) == 1:
        return (*encode_columns(parts[0]), last_step)
    merged: dict[str, Col] = {}
    for part in parts:  # one column per key over the whole batch, not a chunk per segment
        for key, (steps, vals, types, walls) in part.items():
            col = merged.get(key)
            if col is None:
                merged[key] = (list(steps), list(vals), None if types is None else set(types),
                               _times(walls, len(steps)))
                continue
            col[0].extend(steps)
            col[1].extend(vals)
            col[3].extend(_times(walls, len(steps)))
            if col[2] is not None:
                if types is None:
                    merged[key] = (col[0], col[1], None, col[3])
                else:
                    col[2].update(types)
    return (*encode_columns(merged), last_step)


def _times(walls: Any, n: int) -> list[float]:
    """A column's wall times as a list to extend (NaN for points logged without one)."""
    return [_NAN] * n if walls is None else list(walls)


def _segment_columns(seg: Any) -> dict[str, Col]:
    block = seg.block
    if block is None:
        return {key: (steps, vals, None, walls)
                for key, (steps, vals, walls) in series.columns(seg.rows).items()}
    # A block's column j is every width-th value from j: one C-level slice, its type known.
    width, vals, steps, times = block.width, seg.vals, seg.steps, seg.times
    return {key: (steps, vals[j::width], {kind}, times)
            for j, (key, kind) in enumerate(zip(block.keys, block.types))}


def encode_columns(cols: dict[str, Col]) -> tuple[list[series.Chunk], list[dict[str, Any]]]:
    chunks: list[series.Chunk] = []
    unstored: list[dict[str, Any]] = []
    # The usual batch's keys all share one step list and one list of times: packed once.
    packed: tuple[Any, bytes] | None = None
    timed: tuple[Any, bytes | None] | None = None
    for key, (steps, vals, types, walls) in cols.items():
        if packed is None or packed[0] is not steps:
            packed = (steps, series.pack_steps(steps))
        if timed is None or timed[0] is not walls:
            timed = (walls, series.pack_walls(walls))
        try:
            chunks.extend(series.encode_chunks(key, steps, vals, packed[1], types, walls,
                                               timed[1]))
            continue
        except Exception:
            pass
        for i, (step, value) in enumerate(zip(steps, vals)):
            try:
                chunks.append(series.encode(key, [step], [value],
                                            walls=None if walls is None else [walls[i]]))
            except Exception as exc:
                unstored.append(item(key, step, f"{type(value).__name__}: {exc}"))
    return chunks, unstored


def encode_pairs(pairs: list[tuple[int, dict[str, Any]]]
                 ) -> tuple[list[series.Chunk], list[dict[str, Any]]]:
    """``encode_rows`` for ``(step, values)`` pairs."""
    return encode_rows([{**values, series.STEP: step} for step, values in pairs])


def encodable_fields(meta: dict, unstored: list) -> dict[str, Any]:
    try:
        return encode_fields(meta)
    except Exception:
        pass
    out: dict[str, Any] = {}
    for key, value in meta.items():
        try:
            out.update(encode_fields({key: value}))
        except Exception as exc:
            unstored.append(item(key, None, f"run field: {exc}"))
    return out


def summary_text(summary: dict[str, Any], unstored: list) -> str:
    try:
        return dumps(summary)
    except Exception:
        pass
    kept = {}
    for key, value in summary.items():
        try:
            dumps(value)
            kept[key] = value
        except Exception as exc:
            unstored.append(item(key, None, f"summary: {exc}"))
    return dumps(kept)


def points(chunk: series.Chunk) -> list[tuple[series.Chunk, int]]:
    """A chunk split into one chunk per point, each with its step (and its time)."""
    key, _, _, _, kind, steps_blob, vals_blob, walls_blob = chunk
    steps, vals = series.decode(kind, steps_blob, vals_blob)
    walls = series.decode_walls(walls_blob)
    return [(series.encode(key, [s], [v], walls=None if walls is None else [walls[i]]), s)
            for i, (s, v) in enumerate(zip(steps, vals))]


# SQLite primary result codes that are about the database, not about one value: BUSY, LOCKED,
# NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL, NOTADB.
STORE_WIDE_CODES = frozenset((5, 6, 7, 8, 10, 11, 13, 14, 15, 26))


def store_wide(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:  # Python-side failures binding one value (overflow, type)
        return isinstance(exc, (MemoryError, OSError))
    return code & 0xFF in STORE_WIDE_CODES


def item(key: str, step: int | None, reason: str) -> dict[str, Any]:
    return {"key": key, "step": step, "reason": reason[:300]}


def reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
