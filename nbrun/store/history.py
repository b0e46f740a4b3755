"""Reading a run's history for the server: its keys, and its live chunks raw (columnar, as
stored) for the caller to decode and downsample."""

from __future__ import annotations

from typing import Sequence

from .database import Store

# step_lo, step_hi, kind, steps, vals, wall (the commit time in ms; None before schema 4),
# walls (each point's time, ``series.decode_walls``; None before schema 6 and for points that
# came with none)
HistoryChunk = tuple[int, int, str, bytes, bytes, "int | None", "bytes | None"]


def history_keys(store: Store, rid: int) -> list[str]:
    return store.history_keys(rid)


def history_chunks(store: Store, rid: int, keys: Sequence[str]
                   ) -> dict[str, list[HistoryChunk]]:
    """The live (not rewound) chunks of each key, in step order; a key never logged maps to
    an empty list."""
    out: dict[str, list[HistoryChunk]] = {k: [] for k in keys}
    if not keys:
        return out
    marks = ", ".join("?" for _ in keys)
    rows = store.conn.execute(
        "SELECT key, step_lo, step_hi, kind, steps, vals, wall, walls FROM series "
        f"WHERE rid=? AND rewound=0 AND key IN ({marks}) ORDER BY key, step_lo",
        [rid, *keys])
    for key, lo, hi, kind, steps, vals, wall, walls in rows:
        out[key].append((lo, hi, kind, steps, vals, wall, walls))
    return out


def position(store: Store, run_id: str) -> tuple[int, int] | None:
    """``(rid, last_step)`` of the run, or None when there is no such run."""
    row = store.conn.execute("SELECT rid, last_step FROM runs WHERE id=?", (run_id,)).fetchone()
    return None if row is None else (row[0], row[1])
