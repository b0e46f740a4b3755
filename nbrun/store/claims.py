"""Who holds a run id, read inside the write transaction that opens a run.

``init()`` decides what to open from a first read, then writes in a ``BEGIN IMMEDIATE``
transaction. Between the two another process may have opened the same id, so the opening
transaction reads the id again here, under the write lock: what it sees cannot change until it
commits, which makes "is this id live? then refuse, else take it" one atomic step.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from .database import STALE_AFTER_S
from .liveness import owner_alive


@dataclass(frozen=True)
class Holder:
    """The run that holds an id now."""

    rid: int
    state: str
    host: str
    pid: int

    @property
    def live(self) -> bool:
        return self.state == "running"

    def describe(self) -> str:
        return f"process {self.pid} on {self.host}"


def holder(conn: sqlite3.Connection, run_id: str) -> Holder | None:
    """The run holding ``run_id`` inside the caller's write transaction, or None. A run left
    ``running`` by a process that is gone is marked ``crashed`` on the way, in the same
    transaction, so it never blocks the id."""
    row = conn.execute("SELECT rid, state, host, pid, pid_start, heartbeat_at FROM runs "
                       "WHERE id=?", (run_id,)).fetchone()
    if row is None:
        return None
    rid, state, host, pid, pid_start, heartbeat_at = tuple(row)
    now = time.time()
    if state == "running" and not owner_alive(host, pid, pid_start, heartbeat_at, now,
                                              STALE_AFTER_S):
        conn.execute("UPDATE runs SET state='crashed', updated_at=? WHERE rid=?", (now, rid))
        state = "crashed"
    return Holder(rid, state, host, pid)
