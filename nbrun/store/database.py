"""The run database: one SQLite file in WAL mode, shared by every process that writes runs."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
import time
from typing import Any, Iterable, Sequence

from ..errors import UsageError
from . import artifact_rows, connection, series
from .liveness import owner_alive
from .location import STORE_DIRNAME
from .records import RunRow, dumps, encode_fields

DB_NAME = "nbrun.db"
STALE_AFTER_S = 60.0  # a heartbeat older than this marks a run from another host crashed
_SQLITE_HEADER_SIZE = 100  # a database file in use is never shorter than its header
UNSTORED_SHOWN = 20  # set-aside values listed on a run (all are counted)


class StoreMissing(UsageError):
    """No store exists where one was looked for."""


class StoreUnavailable(UsageError):
    """The store exists but cannot be opened: a damaged file, or a folder read-only for us."""

    def __init__(self, path: str, cause: BaseException) -> None:
        super().__init__(
            f"the store at {path} cannot be read ({cause}): the database file may be damaged "
            "or not an nbrun store, or the folder may be read-only for you (reading a store "
            "needs write access to its .nbrun/ folder, where SQLite keeps its shared-memory "
            "file); pass dir= (or NBRUN_DIR) naming a folder you can write, or fix its "
            "permissions")


_PLAIN_ID = re.compile(r"[a-z0-9_-][a-z0-9._-]{0,63}")
_HASHED_NAME = re.compile(r"(?:.*-)?[0-9a-f]{16}")


def run_folder_name(run_id: str) -> str:
    """The run's folder: its id when that is a plain lower-case name; otherwise a readable
    prefix plus a hash, since ids such as '..', 64 emoji (256 bytes) or ids differing only in
    case would escape the store, overflow a file name or collide on case-insensitive disks.
    A plain id shaped like a hashed name is hashed too, so that no run's folder is another
    run's: plain names never end in a 16-digit hash, hashed names always do."""
    if _PLAIN_ID.fullmatch(run_id) and not _HASHED_NAME.fullmatch(run_id):
        return run_id
    slug = re.sub(r"[^a-z0-9_-]+", "-", run_id.lower()).strip("-")[:32]
    digest = hashlib.sha256(run_id.encode("utf-8")).hexdigest()[:16]
    return f"{slug}-{digest}" if slug else digest


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
            _create_private(self.path, self.db_path)
            connection.forget_schema(self.db_path)
        self._local = threading.local()
        self._identity: tuple[int, int] | None = None
        if os.path.exists(self.db_path):
            self.file_problem()  # remember which file this is

    # -- connections -------------------------------------------------------------------------
    def connect(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(self.path, exc) from exc

    def _connect(self) -> sqlite3.Connection:
        return connection.open_connection(self.db_path, self.path)

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        generation = connection.generation()
        if conn is None or getattr(self._local, "generation", None) != generation:
            conn = self._local.conn = self.connect()
            self._local.generation = generation
            if self._identity is None:
                self.file_problem()
        return conn

    def transaction(self) -> connection.Transaction:
        return connection.Transaction(self.conn)

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
                conn.execute("DELETE FROM media WHERE rid=?", (old[0],))
                if conn.execute("SELECT 1 FROM sqlite_master WHERE name='system_metrics'"
                                ).fetchone():  # created on first use (see system.py)
                    conn.execute("DELETE FROM system_metrics WHERE rid=?", (old[0],))
                conn.execute("DELETE FROM alerts WHERE rid=?", (old[0],))
                conn.execute("DELETE FROM runs WHERE rid=?", (old[0],))
                # Its unreferenced objects are swept when runs are next deleted.
                artifact_rows.forget_run(conn, old[0])
        cur = conn.execute(f"INSERT INTO runs ({cols}) VALUES ({marks})", tuple(values.values()))
        return int(cur.lastrowid)

    def get(self, run_id: str) -> RunRow | None:
        self.reap(run_id)
        row = self.conn.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
        return RunRow.from_sql(row) if row is not None else None

    def ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM runs")]

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
    def write_batch(self, conn: sqlite3.Connection, rid: int, chunks: Iterable[series.Chunk],
                    wall: float | None = None) -> None:
        """Append encoded history chunks (``series.encode``) to a run (inside the caller's
        transaction); ``wall`` is the time they reached the store, kept per chunk in ms: the
        time of each point that has none of its own (a chunk's ``walls``, schema 6)."""
        ms = None if wall is None else int(wall * 1000)
        conn.executemany(
            "INSERT INTO series (rid, key, step_lo, step_hi, n, kind, steps, vals, walls, wall) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(rid, *chunk, ms) for chunk in chunks],
        )

    def record_unstored(self, conn: sqlite3.Connection, rid: int, items: list[dict[str, Any]]
                        ) -> None:
        """Add values the writer had to set aside to the run's record: a count and the first
        few, each with its key, step and reason (inside the caller's transaction)."""
        row = conn.execute("SELECT unstored FROM runs WHERE rid=?", (rid,)).fetchone()
        if row is None:
            return
        record = json.loads(row[0]) or {"count": 0, "items": []}
        record["count"] += len(items)
        record["items"] = (record["items"] + items)[:UNSTORED_SHOWN]
        conn.execute("UPDATE runs SET unstored=? WHERE rid=?", (dumps(record), rid))

    def file_problem(self) -> str | None:
        """Why the database file is no longer the one this store first opened, or None: a
        store folder deleted, moved or replaced, or its file truncated, under a live run must
        never receive that run's rows."""
        try:
            st = os.stat(self.db_path)
        except OSError:
            return "deleted or moved"
        identity = (st.st_dev, st.st_ino)
        if self._identity is None:
            self._identity = identity
        if identity != self._identity:
            return "replaced"
        # Not read through a file of our own: closing any descriptor of the database drops
        # every POSIX lock this process holds on it, SQLite's included.
        if st.st_size < _SQLITE_HEADER_SIZE:
            return "truncated"
        return None

    def release_file(self) -> None:
        """Let go of a database file that is no longer at this store's path: its write-ahead
        log (still at the path) is folded into the file it belongs to and emptied, so a file
        put in its place is never read through another database's log."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error:
                pass
        self.drop_connection()

    def drop_connection(self) -> None:
        """Forget this thread's connection (after a failure that may have broken it)."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            try:
                conn.close()
            except sqlite3.Error:
                pass

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


def _create_private(path: str, db_path: str) -> None:
    """The store's folders and database file, readable by the user only whatever the umask
    (SQLite gives the -wal and -shm files the database file's mode)."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    os.makedirs(os.path.join(path, "runs"), mode=0o700, exist_ok=True)
    os.close(os.open(db_path, os.O_CREAT | os.O_WRONLY, 0o600))
