"""History points that arrive with their own steps (scalars mirrored from TensorBoard event
files), committed in one transaction with how far each source file has been read.

They do not go through a run's ``log()`` queue: their steps are TensorBoard's, so they must not
move the run's step or ``last_step`` (what a resume continues from), and committing them together
with the read offsets is what lets a killed run resume its mirroring without a duplicate or a
gap. The offsets live in their own table, created on first use, so runs that mirror nothing never
see it; so does the key each mirrored tag is stored under (chosen once, see
``integration/naming.py``).
"""

from __future__ import annotations

import json
import time
import sqlite3
from typing import Any, Sequence

from . import series
from .database import Store

_TABLE = """CREATE TABLE IF NOT EXISTS tailed_files (
    rid    INTEGER NOT NULL,
    path   TEXT NOT NULL,
    offset INTEGER NOT NULL,
    info   TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (rid, path)
)"""
_KEYS = """CREATE TABLE IF NOT EXISTS tailed_keys (
    rid     INTEGER NOT NULL,
    tag     TEXT NOT NULL,
    key     TEXT NOT NULL,
    PRIMARY KEY (rid, tag)
)"""

Points = dict[str, tuple[Sequence[int], Sequence[Any]]]  # key -> (steps, values)


def _ensure(conn: sqlite3.Connection) -> None:
    conn.execute(_TABLE)
    conn.execute(_KEYS)


def write(store: Store, rid: int, points: Points, offsets: dict[str, tuple[int, dict]],
          keys: dict[str, str] | None = None, unstored: list[dict[str, Any]] | None = None
          ) -> None:
    """Append ``points`` to the run's history and record ``offsets`` (path -> (bytes read,
    info)), the keys chosen for tags (tag -> key) and what could not be mirrored (listed on the
    run with what the writer set aside), all or nothing. Each key's chunk is sorted by step
    (stably: TensorBoard may repeat a step), since readers split and merge chunks by their step
    range."""
    chunks = []
    for key, (steps, values) in points.items():
        if not steps:
            continue
        if any(a > b for a, b in zip(steps, steps[1:])):
            order = sorted(range(len(steps)), key=steps.__getitem__)
            steps, values = [steps[i] for i in order], [values[i] for i in order]
        chunks.append(series.encode(key, list(steps), list(values)))
    with store.transaction() as conn:
        _ensure(conn)
        # Stamped with the time they reached the store, like the writer's chunks (each point's
        # timestamp on a tracking server).
        store.write_batch(conn, rid, chunks, time.time())
        conn.executemany(
            "INSERT OR REPLACE INTO tailed_files (rid, path, offset, info) VALUES (?, ?, ?, ?)",
            [(rid, path, offset, json.dumps(info)) for path, (offset, info) in offsets.items()])
        if keys:
            conn.executemany("INSERT OR REPLACE INTO tailed_keys (rid, tag, key) VALUES (?, ?, ?)",
                             [(rid, tag, key) for tag, key in keys.items()])
        if unstored:
            store.record_unstored(conn, rid, unstored)


def offsets(store: Store, rid: int) -> dict[str, tuple[int, dict]]:
    """How far each source file of the run was mirrored (path -> (bytes read, info))."""
    conn = store.conn
    _ensure(conn)
    return {path: (offset, json.loads(info)) for path, offset, info in conn.execute(
        "SELECT path, offset, info FROM tailed_files WHERE rid=?", (rid,))}


def keys(store: Store, rid: int) -> dict[str, str]:
    """The key each tag mirrored into the run is stored under (tag -> key)."""
    conn = store.conn
    _ensure(conn)
    return dict(conn.execute("SELECT tag, key FROM tailed_keys WHERE rid=?", (rid,)).fetchall())
