"""Each run's progress towards its tracking server, kept in the store's ``sync`` table.

The syncer (``nbrun/sync``) reads and writes it only through these functions. Progress through
history is a cursor over ``series`` rowids (chunks are appended in rowid order): every chunk with
``rowid <= cursor`` is on the server, and so are the first ``partial`` points of the next one.
``inflight`` is set while a sender is sending history (from which position), so that a process
killed between a send and its record leaves a trace to reconcile from. ``sent`` is a JSON record
of what else the server holds (params, tags, state, files), so that only changes go out. A lease
(owner + heartbeat) makes one process at a time the sender of a run.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

from . import series
from .database import Store
from .liveness import HOST, owner_alive
from .records import RunRow

LEASE_STALE_S = 30.0  # a lease not renewed for this long is free (owner on another host)

_FIELDS = ("server", "sync_key", "experiment_id", "server_run_id", "url", "generation", "cursor",
           "partial", "inflight", "points_sent", "sent", "last_error", "error_at", "synced_at",
           "lease_owner", "lease_at")


@dataclass
class SyncState:
    rid: int
    server: str | None = None
    sync_key: str | None = None
    experiment_id: str | None = None
    server_run_id: str | None = None
    url: str | None = None
    generation: int = 0
    cursor: int = 0
    partial: int = 0
    inflight: dict[str, Any] | None = None
    points_sent: int = 0
    sent: dict[str, Any] = field(default_factory=dict)
    last_error: str | None = None
    error_at: float | None = None
    synced_at: float | None = None
    lease_owner: str | None = None
    lease_at: float | None = None

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> "SyncState":
        data = {k: row[k] for k in ("rid", *_FIELDS)}
        data["sent"] = json.loads(data["sent"] or "{}")
        data["inflight"] = json.loads(data["inflight"]) if data["inflight"] else None
        return cls(**data)


@dataclass
class Chunk:
    rowid: int
    key: str
    steps: Any
    values: Any
    wall: int | None  # ms; None for chunks written before wall times were kept
    walls: Any = None  # each point's time in seconds (NaN: none); None: ``wall`` for all


def owner_id(host: str, pid: int, start: str | None) -> str:
    return f"{host}|{pid}|{start or ''}"


def _owner_alive(owner: str, lease_at: float | None, now: float) -> bool:
    host, pid, start = owner.split("|", 2)
    return owner_alive(host, int(pid), start or None, lease_at or 0.0, now, LEASE_STALE_S)


def _encode(fields: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in fields.items():
        if key not in _FIELDS:
            raise KeyError(f"sync state has no field {key!r}")
        if key in ("sent", "inflight") and value is not None and not isinstance(value, str):
            value = json.dumps(value, separators=(",", ":"), allow_nan=True)
        out[key] = value
    return out


def get(store: Store, rid: int) -> SyncState | None:
    row = store.conn.execute("SELECT * FROM sync WHERE rid=?", (rid,)).fetchone()
    return SyncState.from_sql(row) if row is not None else None


def all_states(store: Store) -> dict[int, SyncState]:
    return {row["rid"]: SyncState.from_sql(row) for row in store.conn.execute("SELECT * FROM sync")}


def claim(store: Store, rid: int, owner: str, server: str) -> tuple[SyncState | None, bool]:
    """Take (or renew) the lease on ``rid``, creating its row; returns (state, whether the
    previous holder died while holding it). (None, False) when a live process holds it."""
    now = time.time()
    with store.transaction() as conn:
        row = conn.execute("SELECT * FROM sync WHERE rid=?", (rid,)).fetchone()
        if row is None:
            conn.execute("INSERT INTO sync (rid, server, lease_owner, lease_at, updated_at) "
                         "VALUES (?, ?, ?, ?, ?)", (rid, server, owner, now, now))
            return get(store, rid), False
        holder = row["lease_owner"]
        if holder and holder != owner and _owner_alive(holder, row["lease_at"], now):
            return None, False
        orphaned = bool(holder and holder != owner)
        conn.execute("UPDATE sync SET lease_owner=?, lease_at=?, updated_at=? WHERE rid=?",
                     (owner, now, now, rid))
    return get(store, rid), orphaned


def holder(store: Store, rid: int) -> str | None:
    """The live process (``host|pid|start``) holding the lease on ``rid``, if any."""
    state = get(store, rid)
    if state is None or not state.lease_owner:
        return None
    return state.lease_owner if _owner_alive(state.lease_owner, state.lease_at,
                                             time.time()) else None


def release(store: Store, rid: int, owner: str) -> None:
    with store.transaction() as conn:
        conn.execute("UPDATE sync SET lease_owner=NULL, lease_at=NULL WHERE rid=? AND "
                     "lease_owner=?", (rid, owner))


def update(store: Store, rid: int, owner: str | None = None, **fields: Any) -> bool:
    """Set fields (renewing ``owner``'s lease). False when ``owner`` lost the lease."""
    values = _encode(fields)
    now = time.time()
    values["updated_at"] = now
    sql = "UPDATE sync SET " + ", ".join(f"{k}=?" for k in values)
    args: list[Any] = list(values.values())
    if owner is not None:
        sql += ", lease_at=? WHERE rid=? AND lease_owner=?"
        args += [now, rid, owner]
    else:
        sql += " WHERE rid=?"
        args.append(rid)
    with store.transaction() as conn:
        return conn.execute(sql, args).rowcount == 1


def advance(store: Store, rid: int, owner: str, cursor: int, partial: int, points: int,
            sent: dict[str, Any] | None = None) -> bool:
    """Record an accepted batch: the new position, the error cleared."""
    fields: dict[str, Any] = {"cursor": cursor, "partial": partial, "last_error": None,
                              "error_at": None}
    if sent is not None:
        fields["sent"] = sent
    values = _encode(fields)
    now = time.time()
    sets = ", ".join(f"{k}=?" for k in values)
    with store.transaction() as conn:
        cur = conn.execute(
            f"UPDATE sync SET {sets}, points_sent=points_sent+?, lease_at=?, updated_at=? "
            "WHERE rid=? AND lease_owner=?", (*values.values(), points, now, now, rid, owner))
        return cur.rowcount == 1


def chunks_after(store: Store, rid: int, cursor: int, page: int = 4) -> Iterator[Chunk]:
    """Live (not rewound) history chunks with ``rowid > cursor``, oldest first, read and
    decoded a few at a time as the caller goes (a chunk may hold 100,000 points, and a batch
    takes 1000); no statement stays open between pages."""
    while True:
        rows = store.conn.execute(
            "SELECT rowid, key, kind, steps, vals, wall, walls FROM series WHERE rid=? AND "
            "rowid>? AND rewound=0 ORDER BY rowid LIMIT ?", (rid, cursor, page)).fetchall()
        for rowid, key, kind, steps_blob, vals_blob, wall, walls in rows:
            steps, values = series.decode(kind, steps_blob, vals_blob)
            yield Chunk(rowid, key, steps, values, wall, series.decode_walls(walls))
            cursor = rowid
        if len(rows) < page:
            return


def backlog(store: Store, rid: int, cursor: int, partial: int) -> int:
    """How many history points of ``rid`` are not yet on the server."""
    total = store.conn.execute("SELECT COALESCE(SUM(n), 0) FROM series WHERE rid=? AND rowid>? "
                               "AND rewound=0", (rid, cursor)).fetchone()[0]
    return max(0, int(total) - partial)


def backlogs(store: Store) -> dict[int, int]:
    """Points behind per run that has a sync row (one query, for listings)."""
    rows = store.conn.execute(
        "SELECT y.rid, COALESCE(SUM(s.n), 0) - y.partial FROM sync y LEFT JOIN series s "
        "ON s.rid=y.rid AND s.rowid>y.cursor AND s.rewound=0 GROUP BY y.rid").fetchall()
    return {rid: max(0, int(n)) for rid, n in rows}


def this_host() -> str:
    return HOST


def run_row(store: Store, rid: int) -> RunRow | None:
    """The run ``rid`` as a ``RunRow`` (None when it was deleted or replaced)."""
    row = store.conn.execute("SELECT * FROM runs WHERE rid=?", (rid,)).fetchone()
    return RunRow.from_sql(row) if row is not None else None


def rid_of(store: Store, run_id: str) -> int | None:
    row = store.conn.execute("SELECT rid FROM runs WHERE id=?", (run_id,)).fetchone()
    return row[0] if row is not None else None


def history_keys(store: Store, rid: int) -> set[str]:
    return set(store.history_keys(rid))


_OVERVIEW = (
    "SELECT r.id AS run_id, r.mode AS mode, r.state AS state, y.*, "
    "(SELECT COALESCE(SUM(s.n), 0) FROM series s WHERE s.rid=r.rid AND "
    " s.rowid>COALESCE(y.cursor, 0) AND s.rewound=0) - COALESCE(y.partial, 0) AS behind, "
    "(SELECT COUNT(*) FROM media m WHERE m.rid=r.rid AND m.sent IS NULL AND m.rewound=0) "
    " AS media_behind, "
    "(SELECT COUNT(*) FROM artifact_logged l WHERE l.rid=r.rid AND l.sent IS NULL) + "
    "(SELECT COUNT(*) FROM artifact_used u WHERE u.rid=r.rid AND u.sent IS NULL) "
    " AS artifacts_behind ")


def overview(store: Store) -> dict[str, dict[str, Any]]:
    """Per run id: its sync row's fields (None when it never synced), ``behind``, the history
    points not yet on the server, ``media_behind``, its media values not yet there, and
    ``artifacts_behind``, its artifact lineage rows not yet there (one query, for listings)."""
    rows = store.conn.execute(
        _OVERVIEW +
        "FROM runs r LEFT JOIN sync y ON y.rid=r.rid").fetchall()
    return {row["run_id"]: _entry(row) for row in rows}


def _entry(row: sqlite3.Row) -> dict[str, Any]:
    state = SyncState.from_sql(row) if row["rid"] is not None else None
    return {"sync": state, "behind": max(0, int(row["behind"])), "mode": row["mode"],
            "state": row["state"], "media_behind": int(row["media_behind"]),
            "artifacts_behind": int(row["artifacts_behind"])}


def describe(entry: dict[str, Any]) -> dict[str, Any]:
    """A run's sync state, JSON-ready: ``label`` is synced / N behind / not synced / offline
    (for listings, the run card and the sidebar)."""
    state = entry["sync"]
    sent = state.sent if state is not None else {}
    server_state = sent.get("state")
    media = entry.get("media_behind", 0)
    artifacts = entry.get("artifacts_behind", 0)
    caught_up = (state is not None and state.server_run_id is not None and entry["behind"] == 0
                 and media == 0 and artifacts == 0 and server_state is not None and
                 (entry["state"] == "running" or server_state[0] != "RUNNING"))
    if state is None or state.server_run_id is None:
        label = "offline" if entry["mode"] == "offline" and state is None else "not synced"
    elif caught_up:
        label = "synced"
    else:
        label = f"{entry['behind']} behind" if entry["behind"] else \
            f"{media} media behind" if media else \
            f"{artifacts} artifacts behind" if artifacts else "state pending"
    return {
        "label": label, "synced": caught_up, "behind": entry["behind"], "media_behind": media,
        "artifacts_behind": artifacts,
        "url": state.url if state is not None else None,
        "server": state.server if state is not None else None,
        "server_run_id": state.server_run_id if state is not None else None,
        "last_error": state.last_error if state is not None else None,
        "refused": sent.get("refused", 0),
        "errors": [text for _, text in sent.get("errors", [])],
        "points_sent": state.points_sent if state is not None else 0,
        "synced_at": state.synced_at if state is not None else None,
    }


def statuses(store: Store) -> dict[str, dict[str, Any]]:
    """``describe`` of every run, by run id."""
    return {run_id: describe(entry) for run_id, entry in overview(store).items()}


def status_of(store: Store, rid: int) -> dict[str, Any] | None:
    """``describe`` of one run (None when it is gone)."""
    row = store.conn.execute(
        _OVERVIEW +
        "FROM runs r LEFT JOIN sync y ON y.rid=r.rid WHERE r.rid=?", (rid,)).fetchone()
    return None if row is None else describe(_entry(row))
