"""Which media rows of a run are on its tracking server: the ``sent`` column of ``media``.

A row's ``sent`` is NULL until every file and tag of it is on the server run, then where it
went (its main artifact path; '' when nothing could be sent). The syncer marks rows only while
it holds the run's lease (see ``syncstate``), in the same way as it records history. A new
server run for the run (a rewind) starts from nothing: ``reset`` clears the marks.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple, Sequence

from .database import Store


class Row(NamedTuple):
    """A live media row not yet on the server."""

    rowid: int
    key: str
    step: int
    item: int
    kind: str
    file: str | None
    size: int
    meta: dict[str, Any]
    wall: int | None  # ms since the epoch, when the writer committed it


def pending(store: Store, rid: int, limit: int) -> list[Row]:
    """The oldest ``limit`` live rows of ``rid`` not yet on the server, in the order logged."""
    rows = store.conn.execute(
        "SELECT rowid, key, step, item, kind, file, size, meta, wall FROM media "
        "WHERE rid=? AND sent IS NULL AND rewound=0 ORDER BY rowid LIMIT ?", (rid, limit))
    return [Row(r, k, s, i, kd, f, n, json.loads(m), w) for r, k, s, i, kd, f, n, m, w in rows]


def count_pending(store: Store, rid: int) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM media WHERE rid=? AND sent IS NULL AND "
                              "rewound=0", (rid,)).fetchone()[0]


def mark(store: Store, rid: int, owner: str, done: Sequence[tuple[int, str]]) -> bool:
    """Record rows (rowid, where it went) as on the server; False (nothing recorded) when
    ``owner`` no longer holds the run's lease."""
    with store.transaction() as conn:
        held = conn.execute("SELECT 1 FROM sync WHERE rid=? AND lease_owner=?",
                            (rid, owner)).fetchone()
        if held is None:
            return False
        conn.executemany("UPDATE media SET sent=? WHERE rowid=? AND rid=?",
                         [(where, rowid, rid) for rowid, where in done])
    return True


def reset(store: Store, rid: int) -> None:
    """Every row of ``rid`` is to be sent again (to a new server run)."""
    with store.transaction() as conn:
        conn.execute("UPDATE media SET sent=NULL WHERE rid=? AND sent IS NOT NULL", (rid,))
