"""The media index: one row per stored media value (see the ``media`` table in ``schema``).

The rows of a batch are written in the same transaction as the history points that refer to
them (``commit``), so a history reference never names a file the index lacks, nor the other
way round, whatever kills the process. A rewind sets the rows after its step aside with the
history's; a fork gets the rows up to its step (and the files they name, see ``mediafiles``).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any, Iterator, NamedTuple, Sequence

from . import series
from .database import Store
from .records import dumps


class Entry(NamedTuple):
    """One stored media value (a gallery has one per image, numbered by ``item``)."""

    key: str
    step: int
    item: int
    kind: str
    file: str | None  # relative to the run folder, "/"-separated; None when held inline
    size: int
    meta: dict[str, Any]


class RunGone(Exception):
    """The run is no longer in the store (deleted, or the database replaced)."""


def commit(conn: sqlite3.Connection, rid: int, run_id: str, entries: Sequence[Entry],
           points: dict[str, tuple[list[int], list[Any]]], wall: float,
           unstored: list[dict[str, Any]], store: Store) -> None:
    """Inside the caller's transaction: the index rows, the history points referring to them
    (``points``: key -> (steps ascending, reference descriptors)) and what was set aside."""
    if conn.execute("SELECT 1 FROM runs WHERE rid=? AND id=?", (rid, run_id)).fetchone() is None:
        raise RunGone(run_id)
    ms = int(wall * 1000)
    conn.executemany(
        "INSERT INTO media (rid, key, step, item, kind, file, size, meta, wall) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(rid, e.key, e.step, e.item, e.kind, e.file, e.size, dumps(e.meta), ms)
         for e in entries])
    chunks = [series.encode(key, steps, refs) for key, (steps, refs) in points.items() if steps]
    store.write_batch(conn, rid, chunks, wall)
    if unstored:
        store.record_unstored(conn, rid, unstored)


def has_media(store: Store, rid: int) -> bool:
    return store.conn.execute("SELECT 1 FROM media WHERE rid=? AND rewound=0 LIMIT 1",
                              (rid,)).fetchone() is not None


MEDIA_LIST_MAX = 100_000


def listing(store: Store, rid: int, key: str | None = None, kind: str | None = None,
            limit: int = MEDIA_LIST_MAX, since_step: int = -1) -> list[dict[str, Any]]:
    """The run's live media rows in key, step, item order (steps above ``since_step``), as
    plain dicts."""
    sql = ("SELECT key, step, item, kind, file, size, meta, wall FROM media "
           "WHERE rid=? AND rewound=0 AND step>?")
    args: list[Any] = [rid, since_step]
    if key is not None:
        sql += " AND key=?"
        args.append(key)
    if kind is not None:
        sql += " AND kind=?"
        args.append(kind)
    sql += " ORDER BY key, step, item LIMIT ?"
    args.append(limit)
    return [{"key": k, "step": s, "item": i, "kind": kd, "file": f, "size": n,
             "meta": json.loads(m), "time": None if w is None else w / 1000.0}
            for k, s, i, kd, f, n, m, w in store.conn.execute(sql, args)]


def names_file(store: Store, rid: int, file: str) -> bool:
    """Whether a live media row of the run names ``file``."""
    return store.conn.execute("SELECT 1 FROM media WHERE rid=? AND rewound=0 AND file=? "
                              "LIMIT 1", (rid, file)).fetchone() is not None


def keys(store: Store, rid: int) -> dict[str, str]:
    """Each media key of the run and its kind (the latest logged)."""
    out: dict[str, str] = {}
    for key, kind in store.conn.execute(
            "SELECT key, kind FROM media WHERE rid=? AND rewound=0 ORDER BY key, step",
            (rid,)):
        out[key] = kind
    return out


def latest(store: Store, rid: int) -> list[dict[str, Any]]:
    """The rows of each key's highest step (all images of a gallery), for the run card."""
    rows = store.conn.execute(
        "SELECT m.key, m.step, m.item, m.kind, m.file, m.size, m.meta FROM media m "
        "WHERE m.rid=? AND m.rewound=0 AND m.step = (SELECT MAX(step) FROM media "
        "WHERE rid=m.rid AND key=m.key AND rewound=0) ORDER BY m.key, m.item", (rid,))
    return [{"key": k, "step": s, "item": i, "kind": kd, "file": f, "size": n,
             "meta": json.loads(m)} for k, s, i, kd, f, n, m in rows]


def rewind(conn: sqlite3.Connection, rid: int, step: int, generation: int) -> None:
    """Set the rows after ``step`` aside, marked as the history's chunks are."""
    conn.execute("UPDATE media SET rewound=? WHERE rid=? AND rewound=0 AND step>?",
                 (generation, rid, step))


def fork(conn: sqlite3.Connection, source_rid: int, rid: int, step: int) -> list[str]:
    """Give the fork ``rid`` the source's rows up to ``step``; the files they name (each
    once), which the fork's folder must hold too."""
    conn.execute(
        "INSERT INTO media (rid, key, step, item, kind, file, size, meta, wall) "
        "SELECT ?, key, step, item, kind, file, size, meta, wall FROM media "
        "WHERE rid=? AND rewound=0 AND step<=? ORDER BY rowid", (rid, source_rid, step))
    files: dict[str, None] = {}
    for file, meta in conn.execute("SELECT file, meta FROM media WHERE rid=?", (rid,)):
        if file:
            files[file] = None
        for path in referenced(json.loads(meta)):
            files[path] = None
    return list(files)


def referenced(value: Any) -> Iterator[str]:
    """The files a descriptor names besides its own (a mask's, a table cell's image)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "path" and isinstance(v, str):
                yield v
            elif k == "files" and isinstance(v, list):
                yield from (p for p in v if isinstance(p, str))
            else:
                yield from referenced(v)
    elif isinstance(value, list):
        for v in value:
            yield from referenced(v)


def delete(conn: sqlite3.Connection, rid: int) -> None:
    conn.execute("DELETE FROM media WHERE rid=?", (rid,))
