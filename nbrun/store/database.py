"""The run database: one SQLite file in WAL mode, shared by every process that writes runs."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ..errors import UsageError
from . import series
from .liveness import owner_alive
from .location import STORE_DIRNAME
from .schema import ensure_schema

DB_NAME = "nbrun.db"
BUSY_TIMEOUT_MS = 60_000
STALE_AFTER_S = 60.0  # a heartbeat older than this marks a run from another host crashed

_JSON_COLUMNS = ("tags", "config", "summary", "lineage", "settings")
_schema_ready: set[str] = set()
_schema_lock = threading.Lock()


class StoreMissing(UsageError):
    """No store exists where one was looked for."""


@dataclass
class RunRow:
    """One run as stored."""

    rid: int
    id: str
    name: str
    project: str
    entity: str | None
    notes: str | None
    tags: list[str]
    group: str | None
    job_type: str | None
    config: dict[str, Any]
    summary: dict[str, Any]
    state: str
    exit_code: int | None
    mode: str
    created_at: float
    updated_at: float
    finished_at: float | None
    heartbeat_at: float
    host: str
    pid: int
    pid_start: str | None
    program: str | None
    last_step: int
    starting_step: int
    resumed_count: int
    lineage: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)
    hidden: int = 0
    cell: str | None = None

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> "RunRow":
        data = dict(row)
        for col in _JSON_COLUMNS:
            data[col] = json.loads(data[col])
        data["group"] = data.pop("run_group")
        return cls(**data)


_PLAIN_ID = re.compile(r"[a-z0-9_-][a-z0-9._-]{0,63}")


def run_folder_name(run_id: str) -> str:
    """The run's folder: its id when that is a plain lower-case name; otherwise a readable
    prefix plus a hash, since ids such as '..', 64 emoji (256 bytes) or ids differing only in
    case would escape the store, overflow a file name or collide on case-insensitive disks."""
    if _PLAIN_ID.fullmatch(run_id):
        return run_id
    slug = re.sub(r"[^a-z0-9_-]+", "-", run_id.lower()).strip("-")[:32]
    digest = hashlib.sha256(run_id.encode("utf-8")).hexdigest()[:16]
    return f"{slug}-{digest}" if slug else digest


def dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=True, separators=(",", ":"))


def encode_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Run fields as columns: JSON columns serialised (unless already text), group renamed."""
    out = {k: dumps(v) if k in _JSON_COLUMNS and not isinstance(v, str) else v
           for k, v in fields.items()}
    if "group" in out:
        out["run_group"] = out.pop("group")
    return out


class Store:
    """A store rooted at ``<root>/.nbrun``. Each thread gets its own connection."""

    def __init__(self, root: str, create: bool = False) -> None:
        self.root = os.path.abspath(root)
        self.path = os.path.join(self.root, STORE_DIRNAME)
        self.db_path = os.path.join(self.path, DB_NAME)
        if not os.path.exists(self.db_path):
            if not create:
                raise StoreMissing(
                    f"no nbrun store at {self.path}; pass dir= (or --dir) naming the folder that "
                    "holds .nbrun/, or set NBRUN_DIR"
                )
            os.makedirs(os.path.join(self.path, "runs"), exist_ok=True)
            _schema_ready.discard(self.db_path)  # a store deleted by hand gets its schema again
        self._local = threading.local()

    # -- connections -------------------------------------------------------------------------
    def connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=BUSY_TIMEOUT_MS / 1000,
                               isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        key = self.db_path
        if key not in _schema_ready:
            with _schema_lock:
                if key not in _schema_ready:
                    ensure_schema(conn)
                    _schema_ready.add(key)
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = self._local.conn = self.connect()
            self._local.pid = os.getpid()
        return conn

    def transaction(self) -> "_Transaction":
        return _Transaction(self.conn)

    def run_dir(self, run_id: str) -> str:
        return os.path.join(self.path, "runs", run_folder_name(run_id))

    # -- runs --------------------------------------------------------------------------------
    def insert_run(self, conn: sqlite3.Connection, fields: dict[str, Any],
                   replace: bool = False) -> int:
        """Insert a run inside the caller's transaction; with ``replace`` an existing run of
        that id and its history go first."""
        values = encode_fields(fields)
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        if replace:
            old = conn.execute("SELECT rid FROM runs WHERE id=?", (fields["id"],)).fetchone()
            if old is not None:
                conn.execute("DELETE FROM series WHERE rid=?", (old[0],))
                conn.execute("DELETE FROM runs WHERE rid=?", (old[0],))
        cur = conn.execute(f"INSERT INTO runs ({cols}) VALUES ({marks})", tuple(values.values()))
        return int(cur.lastrowid)

    def get(self, run_id: str) -> RunRow | None:
        self.reap(run_id)
        row = self.conn.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        return RunRow.from_sql(row) if row is not None else None

    def ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM runs")]

    def list(self, project: str | None = None, state: str | None = None,
             tags: Sequence[str] | None = None) -> list[RunRow]:
        self.reap()
        where, args = [], []
        if project is not None:
            where.append("project=?")
            args.append(project)
        if state is not None:
            where.append("state=?")
            args.append(state)
        sql = "SELECT * FROM runs" + (" WHERE " + " AND ".join(where) if where else "")
        rows = [RunRow.from_sql(r) for r in self.conn.execute(sql + " ORDER BY created_at, rid",
                                                              args)]
        if tags:
            wanted = set(tags)
            rows = [r for r in rows if wanted.issubset(r.tags)]
        return rows

    def last_run_of_program(self, program: str, host: str) -> RunRow | None:
        """The newest run that this program started on ``host``."""
        self.reap()
        row = self.conn.execute("SELECT * FROM runs WHERE program=? AND host=? "
                                "ORDER BY created_at DESC, rid DESC LIMIT 1",
                                (program, host)).fetchone()
        return RunRow.from_sql(row) if row is not None else None

    def count_project_runs(self, project: str) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM runs WHERE project=?",
                                 (project,)).fetchone()[0]

    def reap(self, run_id: str | None = None) -> int:
        """Mark runs ``crashed`` whose writing process is gone; returns how many."""
        sql = "SELECT rid, host, pid, pid_start, heartbeat_at FROM runs WHERE state='running'"
        args: tuple[Any, ...] = ()
        if run_id is not None:
            sql += " AND id=?"
            args = (run_id,)
        now = time.time()
        dead = [r["rid"] for r in self.conn.execute(sql, args)
                if not owner_alive(r["host"], r["pid"], r["pid_start"], r["heartbeat_at"], now,
                                   STALE_AFTER_S)]
        if dead:
            with self.transaction() as conn:
                conn.executemany(
                    "UPDATE runs SET state='crashed', updated_at=? WHERE rid=? AND state='running'",
                    [(now, rid) for rid in dead],
                )
        return len(dead)

    # -- history -----------------------------------------------------------------------------
    def write_batch(self, conn: sqlite3.Connection, rid: int, rows: Iterable[tuple[int, dict]],
                    wall: float | None = None) -> None:
        """Append committed rows to a run's history (inside the caller's transaction); ``wall``
        is the time they reached the store, kept per chunk in ms (each point's timestamp)."""
        cols = series.columns(rows)
        if cols:
            ms = None if wall is None else int(wall * 1000)
            conn.executemany(
                "INSERT INTO series (rid, key, step_lo, step_hi, n, kind, steps, vals, wall) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(rid, *series.encode(k, s, v), ms) for k, (s, v) in cols.items()],
            )

    def tail(self, rid: int, after: int = 0) -> tuple[list[tuple[str, Any, Any]], int]:
        """History chunks committed since cursor ``after``: ``[(key, steps, values)]`` and the
        new cursor, so a live view reads each point once."""
        rows = self.conn.execute(
            "SELECT rowid, key, kind, steps, vals FROM series WHERE rid=? AND rowid>? "
            "AND rewound=0 ORDER BY rowid", (rid, after)).fetchall()
        chunks = [(key, *series.decode(kind, s, v)) for _, key, kind, s, v in rows]
        return chunks, (rows[-1][0] if rows else after)

    def history_keys(self, rid: int) -> list[str]:
        return [r[0] for r in self.conn.execute(
            "SELECT DISTINCT key FROM series WHERE rid=? AND rewound=0 ORDER BY key", (rid,))]

    def history(self, rid: int, keys: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Rows ``{"_step": n, key: value, ...}`` in step order."""
        sql = "SELECT key, kind, steps, vals FROM series WHERE rid=? AND rewound=0"
        args: list[Any] = [rid]
        if keys is not None:
            if not keys:
                return []
            sql += f" AND key IN ({', '.join('?' for _ in keys)})"
            args.extend(keys)
        by_step: dict[int, dict[str, Any]] = {}
        for key, kind, steps_blob, vals_blob in self.conn.execute(sql + " ORDER BY step_lo", args):
            for step, value in series.iter_points(kind, steps_blob, vals_blob):
                row = by_step.get(step)
                if row is None:
                    row = by_step[step] = {"_step": step}
                row[key] = value
        return [by_step[s] for s in sorted(by_step)]


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``: takes the write lock up front so a busy store waits
    instead of failing half-way through."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
