"""System metrics (CPU, memory, disk, network, GPU) of a run: samples against wall time.

They are a stream of their own, as the contract tracker keeps them apart from the history (its
"system" stream): a sample is taken every few seconds whatever the run logs, so it has no step
of the run's, and putting it in ``series`` would either consume the user's steps or give the
history rows that no ``log()`` wrote. One row per sample: its number within the run (``seq``,
from 0, continued on resume; the step MLflow's own system-metrics logging gives its samples),
its time and its values as JSON ``{"system/<name>": number}``. The table is created on first
use, so a store whose runs sample nothing never sees it.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterable

from .database import Store

_TABLE = """CREATE TABLE IF NOT EXISTS system_metrics (
    rid   INTEGER NOT NULL,
    seq   INTEGER NOT NULL,
    at    REAL NOT NULL,
    data  TEXT NOT NULL,
    PRIMARY KEY (rid, seq)
)"""

Sample = tuple[int, float, dict[str, float]]  # (seq, time in seconds since the epoch, values)


def _exists(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' "
                        "AND name='system_metrics'").fetchone() is not None


def next_seq(store: Store, rid: int) -> int:
    """The number of the run's next sample (a resumed run goes on from its last one)."""
    conn = store.conn
    if not _exists(conn):
        return 0
    row = conn.execute("SELECT MAX(seq) FROM system_metrics WHERE rid=?", (rid,)).fetchone()
    return 0 if row[0] is None else row[0] + 1


def append(store: Store, rid: int, samples: Iterable[tuple[float, dict[str, float]]],
           first_seq: int) -> int:
    """Store samples ``(time, values)`` numbered from ``first_seq``, all or nothing; the number
    of the next one."""
    rows = [(rid, first_seq + i, at, json.dumps(values, allow_nan=False))
            for i, (at, values) in enumerate(samples)]
    if not rows:
        return first_seq
    with store.transaction() as conn:
        conn.execute(_TABLE)
        conn.executemany("INSERT OR REPLACE INTO system_metrics (rid, seq, at, data) "
                         "VALUES (?, ?, ?, ?)", rows)
    return first_seq + len(rows)


def read(store: Store, rid: int, after_seq: int = -1, limit: int | None = None
         ) -> list[Sample]:
    """The run's samples after ``after_seq``, oldest first (at most ``limit``)."""
    conn = store.conn
    if not _exists(conn):
        return []
    sql = "SELECT seq, at, data FROM system_metrics WHERE rid=? AND seq>? ORDER BY seq"
    args: tuple[Any, ...] = (rid, after_seq)
    if limit is not None:
        sql += " LIMIT ?"
        args += (limit,)
    return [(seq, at, json.loads(data)) for seq, at, data in conn.execute(sql, args)]


def count(store: Store, rid: int) -> int:
    conn = store.conn
    if not _exists(conn):
        return 0
    return conn.execute("SELECT COUNT(*) FROM system_metrics WHERE rid=?", (rid,)).fetchone()[0]


def forget(conn: sqlite3.Connection, rid: int) -> None:
    """Delete the run's samples (inside the caller's transaction, with the run)."""
    if _exists(conn):
        conn.execute("DELETE FROM system_metrics WHERE rid=?", (rid,))
