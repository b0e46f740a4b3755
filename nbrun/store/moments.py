"""Store operations that reopen a run: resume, rewind in place and fork.

Each works inside the caller's transaction, so opening a run commits all at once or not at all.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from . import artifact_rows, mediaindex, series
from .records import dumps, encode_fields

_LATEST = """
SELECT key, kind, steps, vals FROM series s
WHERE rid=? AND rewound=0 AND step_hi = (
    SELECT MAX(step_hi) FROM series WHERE rid=s.rid AND key=s.key AND rewound=0)
"""


def _split_at(conn: sqlite3.Connection, rid: int, step: int) -> None:
    """Split every live chunk that holds steps on both sides of ``step`` into two chunks."""
    rows = conn.execute(
        "SELECT rowid, key, kind, steps, vals, walls, wall FROM series "
        "WHERE rid=? AND rewound=0 AND step_lo<=? AND step_hi>?", (rid, step, step)).fetchall()
    for rowid, key, kind, steps_blob, vals_blob, walls_blob, wall in rows:
        head, tail = _cut(key, kind, steps_blob, vals_blob, walls_blob, step)
        # The head keeps its rowid and its wall times: a syncer past this chunk does not see
        # it again (the tail is set aside at once by the rewind).
        conn.execute("UPDATE series SET step_lo=?, step_hi=?, n=?, kind=?, steps=?, vals=?, "
                     "walls=? WHERE rowid=?", (*head[1:], rowid))
        conn.execute(
            "INSERT INTO series (rid, key, step_lo, step_hi, n, kind, steps, vals, walls, wall) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (rid, *tail, wall))


def _cut(key: str, kind: str, steps_blob: bytes, vals_blob: bytes, walls_blob: bytes | None,
         step: int) -> tuple[series.Chunk, series.Chunk]:
    """A chunk as its points up to ``step`` and those after it, each keeping its time."""
    steps, vals = series.decode(kind, steps_blob, vals_blob)
    walls = series.decode_walls(walls_blob)
    cut = next(i for i, s in enumerate(steps) if s > step)
    return (series.encode(key, list(steps[:cut]), list(vals[:cut]),
                          walls=None if walls is None else walls[:cut]),
            series.encode(key, list(steps[cut:]), list(vals[cut:]),
                          walls=None if walls is None else walls[cut:]))


def _summary_and_last(conn: sqlite3.Connection, rid: int) -> tuple[dict[str, Any], int]:
    summary: dict[str, Any] = {}
    last = -1
    for key, kind, steps_blob, vals_blob in conn.execute(_LATEST, (rid,)):
        steps, vals = series.decode(kind, steps_blob, vals_blob)
        summary[key] = vals[-1]
        last = max(last, steps[-1])
    return summary, last


def rewind(conn: sqlite3.Connection, rid: int, step: int, fields: dict[str, Any], at: float
           ) -> dict[str, Any] | None:
    """Set history after ``step`` aside (kept, marked with a rewind number), recompute the
    summary and reopen the run. None when the run is running meanwhile."""
    row = conn.execute("SELECT state, lineage FROM runs WHERE rid=?", (rid,)).fetchone()
    if row is None or row[0] == "running":
        return None
    generation = conn.execute("SELECT COALESCE(MAX(rewound), 0) + 1 FROM series WHERE rid=?",
                              (rid,)).fetchone()[0]
    _split_at(conn, rid, step)
    conn.execute("UPDATE series SET rewound=? WHERE rid=? AND rewound=0 AND step_lo>?",
                 (generation, rid, step))
    mediaindex.rewind(conn, rid, step, generation)
    summary, last = _summary_and_last(conn, rid)
    lineage = json.loads(row[1])
    lineage.setdefault("rewinds", []).append({"step": step, "at": at})
    values = {**encode_fields(fields), "summary": dumps(summary), "last_step": step,
              "starting_step": step + 1, "lineage": dumps(lineage)}
    _update(conn, rid, values)
    return summary


def fork(conn: sqlite3.Connection, source_rid: int, step: int, fields: dict[str, Any]
         ) -> tuple[int, dict[str, Any], list[str]]:
    """A new run whose history (and media index) is the source's up to and including
    ``step``; the media files its folder must get from the source's (``mediafiles.share``).
    The source's chunks stay as they are (a syncer's position in them stays valid): a chunk
    holding steps on both sides of ``step`` is copied only up to it."""
    values = {**encode_fields(fields), "summary": "{}", "last_step": step,
              "starting_step": step + 1}
    cols = ", ".join(values)
    cur = conn.execute(f"INSERT INTO runs ({cols}) VALUES ({', '.join('?' * len(values))})",
                       tuple(values.values()))
    rid = int(cur.lastrowid)
    conn.execute(
        "INSERT INTO series (rid, key, step_lo, step_hi, n, kind, steps, vals, walls, wall) "
        "SELECT ?, key, step_lo, step_hi, n, kind, steps, vals, walls, wall FROM series "
        "WHERE rid=? AND rewound=0 AND step_hi<=? ORDER BY rowid", (rid, source_rid, step))
    straddling = conn.execute(
        "SELECT key, kind, steps, vals, walls, wall FROM series WHERE rid=? AND rewound=0 AND "
        "step_lo<=? AND step_hi>? ORDER BY rowid", (source_rid, step, step)).fetchall()
    for key, kind, steps_blob, vals_blob, walls_blob, wall in straddling:
        head, _ = _cut(key, kind, steps_blob, vals_blob, walls_blob, step)
        conn.execute(
            "INSERT INTO series (rid, key, step_lo, step_hi, n, kind, steps, vals, walls, wall) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (rid, *head, wall))
    summary, _ = _summary_and_last(conn, rid)
    conn.execute("UPDATE runs SET summary=? WHERE rid=?", (dumps(summary), rid))
    source_id = conn.execute("SELECT id FROM runs WHERE rid=?", (source_rid,)).fetchone()[0]
    artifact_rows.inherit_inputs(conn, source_rid, source_id, rid, step)
    return rid, summary, mediaindex.fork(conn, source_rid, rid, step)


def resume(conn: sqlite3.Connection, rid: int, fields: dict[str, Any], at: float
           ) -> tuple[int, dict[str, Any]] | None:
    """Reopen a finished or crashed run; returns (starting step, summary), or None when the
    run is running meanwhile (another process got there first)."""
    row = conn.execute("SELECT state, last_step, summary, lineage FROM runs WHERE rid=?",
                       (rid,)).fetchone()
    if row is None or row[0] == "running":
        return None
    start = row[1] + 1
    lineage = json.loads(row[3])
    lineage.setdefault("resumes", []).append({"step": start, "at": at})
    values = {**encode_fields(fields), "starting_step": start, "lineage": dumps(lineage)}
    _update(conn, rid, values)
    conn.execute("UPDATE runs SET resumed_count=resumed_count+1 WHERE rid=?", (rid,))
    return start, json.loads(row[2])


def _update(conn: sqlite3.Connection, rid: int, values: dict[str, Any]) -> None:
    sets = ", ".join(f"{k}=?" for k in values)
    conn.execute(f"UPDATE runs SET {sets} WHERE rid=?", (*values.values(), rid))
