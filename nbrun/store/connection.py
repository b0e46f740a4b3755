"""Connections to a store's database: how one is opened (WAL, busy timeout, the schema made
ready once per file and process), the write transaction, and the closing of every connection
before a fork."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import weakref
from typing import Iterator

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from .schema import ensure_schema

BUSY_TIMEOUT_MS = 60_000

_schema_ready: set[str] = set()
_schema_lock = threading.Lock()


def open_connection(db_path: str, folder: str) -> sqlite3.Connection:
    """A new connection to the database at ``db_path`` (in the store folder ``folder``)."""
    conn = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False, factory=_Connection)
    _connections.add(conn)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if db_path not in _schema_ready:
        # Switching a new file to WAL can answer "database is locked" at once instead of
        # waiting (SQLite skips the busy handler where waiting could deadlock), so the
        # processes setting a store up take turns on a lock of its folder.
        with _schema_lock, folder_lock(folder):
            if db_path not in _schema_ready:
                set_wal(conn)
                ensure_schema(conn)
                _schema_ready.add(db_path)
    else:
        set_wal(conn)
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def forget_schema(db_path: str) -> None:
    """A store created anew at ``db_path`` (one deleted by hand) gets its schema again."""
    _schema_ready.discard(db_path)


def generation() -> int:
    """Changes at every fork: a connection opened in an earlier generation is closed."""
    return _generation


def set_wal(conn: sqlite3.Connection) -> None:
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode=WAL")


@contextlib.contextmanager
def folder_lock(path: str) -> Iterator[None]:
    """An exclusive advisory lock on the store's folder (none where flock does not exist)."""
    if fcntl is None:
        yield
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``: takes the write lock up front so a busy store waits
    instead of failing half-way through."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        _forking.acquire()
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            _forking.release()
            raise
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                try:
                    self.conn.execute("COMMIT")
                    return
                except BaseException:
                    self._rollback()
                    raise
            self._rollback()
        finally:
            _forking.release()

    def _rollback(self) -> None:
        # A failed COMMIT (disk full, I/O error) may leave the transaction open or already
        # rolled back; either way the connection must come out of it usable, and a failing
        # ROLLBACK must not hide the error that caused it.
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass


# SQLite keeps per-process lock state for every open database file, and a forked child
# inherits it: a child that opens the database (or closes an inherited connection) acts on
# locks it does not hold and can check-point or delete the log under the parent, corrupting
# the store. So a fork waits for any write transaction of this process to end and closes every
# connection first; each thread reopens its own on next use, in the parent and in the child.
_forking = threading.RLock()
_generation = 0


class _Connection(sqlite3.Connection):
    """A connection that can be weakly referenced (to be closed before a fork)."""


_connections: "weakref.WeakSet[_Connection]" = weakref.WeakSet()


def _before_fork() -> None:
    global _generation
    _forking.acquire()
    _generation += 1
    for conn in list(_connections):
        try:
            conn.close()
        except sqlite3.Error:
            pass
    _connections.clear()


def _after_fork_in_child() -> None:
    global _forking
    _forking = threading.RLock()


os.register_at_fork(before=_before_fork, after_in_parent=lambda: _forking.release(),
                    after_in_child=_after_fork_in_child)
