"""Read and act queries over one store, for the Jupyter server extension.

Listing filters, sorts and paginates in SQL so a page of a 10,000-run store costs a few
milliseconds; history is returned as raw columnar chunks for the caller to decode and downsample.
The actions (edit tags/notes, set state, delete) each check the run's state inside the same
``BEGIN IMMEDIATE`` transaction that changes it, so a run resumed meanwhile is never edited.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from .database import RunRow, Store, dumps
from .liveness import owner_alive

# A summary leaves out config and settings, which may be large and are shown per run only.
SUMMARY_COLUMNS = (
    "rid, id, name, project, entity, state, exit_code, tags, notes, run_group, job_type, "
    "created_at, updated_at, finished_at, heartbeat_at, last_step, summary, lineage, "
    "resumed_count, hidden"
)

# Outcomes of the actions.
OK, MISSING, RUNNING, REFUSED = "ok", "missing", "running", "refused"


@dataclass(frozen=True)
class RunFilter:
    """Which runs a listing holds; every condition must match."""

    project: str | None = None
    state: str | None = None
    tags: tuple[str, ...] = ()
    q: str | None = None
    include_hidden: bool = False
    unsynced: bool = False  # online (or once synced) runs not fully on their server

    def where(self) -> tuple[str, list[Any]]:
        parts: list[str] = []
        args: list[Any] = []
        if not self.include_hidden:
            parts.append("hidden=0")
        if self.unsynced:
            parts.append(_UNSYNCED)
        if self.project is not None:
            parts.append("project=?")
            args.append(self.project)
        if self.state is not None:
            parts.append("state=?")
            args.append(self.state)
        for tag in self.tags:
            # The JSON text holding the quoted tag is a C-level test that rules most rows out
            # before json_each, which alone is exact (either escaping of non-ASCII is looked for).
            parts.append("((instr(tags, ?) OR instr(tags, ?)) AND "
                         "EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE value=?))")
            args += [json.dumps(tag), json.dumps(tag, ensure_ascii=False), tag]
        if self.q:
            sql, q_args = _text_match(self.q)
            parts.append(sql)
            args.extend(q_args)
        return (" WHERE " + " AND ".join(parts) if parts else ""), args


# A run is unsynced when it is online (or was synced once) and its server run is missing, a
# history chunk is past the sync cursor, or the state last sent is not its state.
_UNSYNCED = """(
    (mode='online' OR EXISTS (SELECT 1 FROM sync y WHERE y.rid=runs.rid)) AND NOT EXISTS (
        SELECT 1 FROM sync y WHERE y.rid=runs.rid AND y.server_run_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM series s WHERE s.rid=runs.rid AND s.rowid>y.cursor
                        AND s.rewound=0)
        AND json_extract(y.sent, '$.state[0]') = CASE runs.state
            WHEN 'running' THEN 'RUNNING' WHEN 'finished' THEN 'FINISHED'
            WHEN 'failed' THEN 'FAILED' ELSE 'KILLED' END))"""

_SEARCHED = ("name", "id", "notes", "run_group")
_JSON_PLAIN = frozenset(chr(c) for c in range(32, 127)) - {'"', "\\"}


def _text_match(q: str) -> tuple[str, list[Any]]:
    """Case-insensitive substring of name, id, notes, group or a tag.

    SQLite's LIKE folds ASCII letters only; that is exact (and runs in C) for an ASCII query.
    Other queries go through Python's casefold, registered as a function: slower, so a C-level
    test first keeps only rows holding some non-ASCII text (a casefolded non-ASCII needle can
    only be found in such text). Tags are matched one by one through json_each, since the JSON
    text of the tags column escapes some characters; a LIKE on that raw text runs first where
    it cannot miss (queries of printable ASCII without quote or backslash).
    """
    needle = q.casefold()
    if q.isascii() or needle.isascii():
        text = q if q.isascii() else needle
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        like = "{} LIKE ? ESCAPE '\\'"
        cols = [like.format(c) for c in _SEARCHED]
        tag = f"EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE {like.format('value')})"
        if set(text) <= _JSON_PLAIN:
            tag = f"({like.format('tags')} AND {tag})"
            return "(" + " OR ".join(cols + [tag]) + ")", [pattern] * (len(cols) + 2)
        return "(" + " OR ".join(cols + [tag]) + ")", [pattern] * (len(cols) + 1)
    # More bytes than characters: non-ASCII text (which the tags' JSON writes as \uXXXX).
    wide = " OR ".join([f"length(CAST({c} AS BLOB)) != length({c})" for c in _SEARCHED]
                       + ["instr(tags, '\\u')"])
    return (f"(({wide}) AND nbrun_has(?, name, id, notes, run_group, tags))", [needle])


def _has(needle: str, *texts: str | None) -> bool:
    """Whether casefolded ``needle`` is in one of the texts (the last: tags as JSON)."""
    *plain, tags = texts
    if any(t is not None and needle in t.casefold() for t in plain):
        return True
    return tags is not None and any(needle in t.casefold() for t in json.loads(tags))


def _prepare(store: Store, f: RunFilter) -> sqlite3.Connection:
    conn = store.conn
    if f.q and not f.q.casefold().isascii():
        conn.create_function("nbrun_has", 6, _has, deterministic=True)
    return conn


# -- sorting -----------------------------------------------------------------------------------
_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class Sort:
    """An ORDER BY and the same order as a Python key over ``key_columns``, so pages of several
    stores merge exactly as one database would have sorted them."""

    order_by: str
    key_columns: str
    key: Callable[[Sequence[Any]], tuple]
    reverse: bool


def _by_text(column: str) -> Sort:
    # NOCASE folds ASCII letters only; the Python key folds the same letters and no others.
    return Sort(f"{column} COLLATE NOCASE, created_at DESC, rid DESC", f"{column}, created_at",
                lambda r: (r[0].translate(_ASCII_FOLD), -r[1], -r[2]), False)


def _by_number(column: str, descending: bool) -> Sort:
    direction = " DESC" if descending else ""
    return Sort(f"{column}{direction}, rid{direction}", column, lambda r: (r[0], r[1]),
                descending)


SORTS: dict[str, Sort] = {
    "-created_at": _by_number("created_at", True),
    "created_at": _by_number("created_at", False),
    "-updated_at": _by_number("updated_at", True),
    "updated_at": _by_number("updated_at", False),
    "name": Sort("name COLLATE NOCASE, rid", "name",
                 lambda r: (r[0].translate(_ASCII_FOLD), r[1]), False),
    "-name": Sort("name COLLATE NOCASE DESC, rid DESC", "name",
                  lambda r: (r[0].translate(_ASCII_FOLD), r[1]), True),
    "state": _by_text("state"),
    "project": _by_text("project"),
}
DEFAULT_SORT = "-created_at"


# -- listing -----------------------------------------------------------------------------------
def count_runs(store: Store, f: RunFilter) -> int:
    where, args = f.where()
    return _prepare(store, f).execute(f"SELECT COUNT(*) FROM runs{where}", args).fetchone()[0]


def page_keys(store: Store, f: RunFilter, sort: Sort, offset: int, limit: int
              ) -> list[tuple[Any, ...]]:
    """``(sort key columns..., rid)`` of the runs at ``offset`` .. ``offset + limit`` in order."""
    where, args = f.where()
    sql = (f"SELECT {sort.key_columns}, rid FROM runs{where} ORDER BY {sort.order_by} "
           "LIMIT ? OFFSET ?")
    return [tuple(r) for r in _prepare(store, f).execute(sql, [*args, limit, offset])]


def summaries(store: Store, rids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Run summaries by rid."""
    if not rids:
        return {}
    marks = ", ".join("?" for _ in rids)
    rows = store.conn.execute(f"SELECT {SUMMARY_COLUMNS} FROM runs WHERE rid IN ({marks})",
                              list(rids))
    return {r["rid"]: summary_of(r) for r in rows}


def summary_of(row: sqlite3.Row | RunRow) -> dict[str, Any]:
    """The public fields of a run (no rid, no config)."""
    if isinstance(row, RunRow):
        data = vars(row)
        tags, summary, lineage, group = row.tags, row.summary, row.lineage, row.group
    else:
        data = row
        tags, summary, lineage = (json.loads(row[c]) for c in ("tags", "summary", "lineage"))
        group = row["run_group"]
    return {
        "id": data["id"], "name": data["name"], "project": data["project"],
        "entity": data["entity"], "state": data["state"], "exit_code": data["exit_code"],
        "tags": tags, "notes": data["notes"], "group": group, "job_type": data["job_type"],
        "created_at": data["created_at"], "updated_at": data["updated_at"],
        "finished_at": data["finished_at"], "heartbeat_at": data["heartbeat_at"],
        "last_step": data["last_step"], "summary": summary, "lineage": lineage,
        "resumed_count": data["resumed_count"], "hidden": bool(data["hidden"]),
    }


def all_projects(store: Store) -> list[str]:
    """Every project name, hidden runs' too (read from the project index alone)."""
    return [r[0] for r in store.conn.execute("SELECT DISTINCT project FROM runs ORDER BY 1")]


def all_tags(store: Store, include_hidden: bool = False) -> list[str]:
    """Every tag, sorted. Reads the tags of every run: callers cache it (see change_token)."""
    cond = "" if include_hidden else " WHERE hidden=0"
    return sorted(r[0] for r in store.conn.execute(
        f"SELECT DISTINCT j.value FROM runs, json_each(runs.tags) AS j{cond}"))


def change_token(store: Store) -> tuple[int, int]:
    """Changes when a run is added, replaced or deleted (cheap: an index count and the
    largest rowid)."""
    row = store.conn.execute("SELECT COUNT(*), COALESCE(MAX(rid), 0) FROM runs").fetchone()
    return row[0], row[1]


def count_visible(store: Store) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM runs WHERE hidden=0").fetchone()[0]


def find_rid(store: Store, run_id: str) -> int | None:
    row = store.conn.execute("SELECT rid FROM runs WHERE id=?", (run_id,)).fetchone()
    return None if row is None else row[0]


# -- history -----------------------------------------------------------------------------------
HistoryChunk = tuple[int, int, str, bytes, bytes]  # step_lo, step_hi, kind, steps, vals


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
        "SELECT key, step_lo, step_hi, kind, steps, vals FROM series "
        f"WHERE rid=? AND rewound=0 AND key IN ({marks}) ORDER BY key, step_lo",
        [rid, *keys])
    for key, lo, hi, kind, steps, vals in rows:
        out[key].append((lo, hi, kind, steps, vals))
    return out


# -- actions -----------------------------------------------------------------------------------
_KEEP = object()



def _settled_run(conn: sqlite3.Connection, run_id: str) -> sqlite3.Row | str:
    """The run's row when it may be changed by hand; MISSING, or RUNNING while its own process
    still writes it (and would overwrite the change)."""
    row = conn.execute("SELECT rid, state FROM runs WHERE id=?", (run_id,)).fetchone()
    if row is None:
        return MISSING
    if row["state"] == "running":
        return RUNNING
    return row

def edit_run(store: Store, run_id: str, tags: Sequence[str] | None = None,
             notes: Any = _KEEP) -> str:
    """Replace tags and/or notes of a run that is not running. A running run's writer holds
    its tags and notes in memory and would overwrite an edit, hence RUNNING for those."""
    fields: dict[str, Any] = {}
    if tags is not None:
        fields["tags"] = dumps(list(tags))
    if notes is not _KEEP:
        fields["notes"] = notes
    store.reap(run_id)
    with store.transaction() as conn:
        row = _settled_run(conn, run_id)
        if isinstance(row, str):
            return row
        fields["updated_at"] = time.time()
        sets = ", ".join(f"{k}=?" for k in fields)
        conn.execute(f"UPDATE runs SET {sets} WHERE rid=?", (*fields.values(), row["rid"]))
    return OK


def set_state(store: Store, run_id: str, target: str, stale_after: float) -> str:
    """Mark a run ``crashed`` or ``finished`` by hand.

    Allowed only for a run that reads ``running`` while its owner is gone (dead process, or a
    heartbeat older than ``stale_after`` for another host) and, to mark it finished, for a
    crashed run. A finished or failed run keeps its state (REFUSED); a live one too (RUNNING).
    """
    if target not in ("crashed", "finished"):
        raise ValueError(target)
    store.reap(run_id)
    now = time.time()
    with store.transaction() as conn:
        row = conn.execute("SELECT rid, state, host, pid, pid_start, heartbeat_at FROM runs "
                           "WHERE id=?", (run_id,)).fetchone()
        if row is None:
            return MISSING
        state = row["state"]
        if state == "running":
            if owner_alive(row["host"], row["pid"], row["pid_start"], row["heartbeat_at"], now,
                           stale_after):
                return RUNNING
        elif state != "crashed":
            return REFUSED
        elif target == "crashed":
            return OK  # already so
        # The last heartbeat is the last sign of life: the best end time for a run that died.
        conn.execute("UPDATE runs SET state=?, updated_at=?, "
                     "finished_at=CASE WHEN ?='finished' THEN COALESCE(finished_at, heartbeat_at)"
                     " ELSE finished_at END WHERE rid=?",
                     (target, now, target, row["rid"]))
    return OK


def delete_run(store: Store, run_id: str) -> str:
    """Delete a run that is not running: its row, its history and its folder.

    The folder is moved aside inside the transaction (and moved back if it fails), so a
    concurrent ``init()`` of the same id never finds half a folder; it is removed after commit.
    """
    store.reap(run_id)
    run_dir = store.run_dir(run_id)
    aside = None
    try:
        with store.transaction() as conn:
            row = _settled_run(conn, run_id)
            if isinstance(row, str):
                return row
            if os.path.lexists(run_dir):
                aside = f"{run_dir}~deleting-{uuid.uuid4().hex[:8]}"  # "~": never a run folder name
                os.rename(run_dir, aside)
            conn.execute("DELETE FROM series WHERE rid=?", (row["rid"],))
            conn.execute("DELETE FROM runs WHERE rid=?", (row["rid"],))
    except BaseException:
        if aside is not None:
            os.rename(aside, run_dir)
        raise
    if aside is not None:
        if os.path.islink(aside):  # never follow a link out of the store
            os.unlink(aside)
        else:
            shutil.rmtree(aside, ignore_errors=True)
    return OK
