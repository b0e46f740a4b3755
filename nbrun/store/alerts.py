"""A run's alerts (``run.alert()``): one row each in the ``alerts`` table, oldest first."""

from __future__ import annotations

import sqlite3
from typing import Any

from .database import Store

LEVELS = ("INFO", "WARN", "ERROR")
SHOWN = 200  # alerts a reader gets per run (the newest); the total is counted


def add(store: Store, rid: int, at: float, step: int | None, level: str, title: str,
        body: str, suppressed: int = 0) -> None:
    """Record one alert of run ``rid`` in its own short transaction."""
    with store.transaction() as conn:
        conn.execute("INSERT INTO alerts (rid, at, step, level, title, body, suppressed) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (rid, at, step, level, title, body, suppressed))


def of_run(store: Store, rid: int, limit: int = SHOWN) -> list[dict[str, Any]]:
    """The run's newest ``limit`` alerts, oldest first: ``{time, step, level, title, text,
    suppressed}`` (``suppressed``: calls of that title held back by wait_duration before it)."""
    rows = store.conn.execute(
        "SELECT at, step, level, title, body, suppressed FROM alerts WHERE rid=? "
        "ORDER BY at DESC, rowid DESC LIMIT ?", (rid, limit)).fetchall()
    return [{"time": r[0], "step": r[1], "level": r[2], "title": r[3], "text": r[4],
             "suppressed": r[5]} for r in reversed(rows)]


def count(store: Store, rid: int) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM alerts WHERE rid=?", (rid,)).fetchone()[0]


def forget(conn: sqlite3.Connection, rid: int) -> None:
    """Drop a run's alerts with the run (inside the caller's transaction)."""
    conn.execute("DELETE FROM alerts WHERE rid=?", (rid,))


def marks(store: Store, rids: list[int]) -> dict[int, tuple[int, str]]:
    """``{rid: (alert count, newest alert's level)}`` of the runs in ``rids`` that have
    alerts: the runs list's mark. One indexed query per page of runs."""
    if not rids:
        return {}
    places = ", ".join("?" for _ in rids)
    rows = store.conn.execute(
        "SELECT rid, COUNT(*), (SELECT level FROM alerts AS newest WHERE newest.rid=a.rid "
        "ORDER BY at DESC, rowid DESC LIMIT 1) "
        f"FROM alerts AS a WHERE rid IN ({places}) GROUP BY rid", list(rids)).fetchall()
    return {rid: (n, level) for rid, n, level in rows}


def since(store: Store, after: float, limit: int) -> list[dict[str, Any]]:
    """The alerts of visible runs recorded after ``after`` (seconds since the epoch), oldest
    first, at most ``limit`` (the newest): what a page open since then has not seen."""
    # CROSS JOIN keeps the alerts the outer loop (SQLite would walk every run otherwise):
    # a store holds far fewer alerts than runs, so a poll costs what the alerts are.
    rows = store.conn.execute(
        "SELECT a.at, a.step, a.level, a.title, a.body, r.id, r.name FROM alerts AS a "
        "CROSS JOIN runs AS r ON r.rid=a.rid WHERE a.at > ? AND r.hidden=0 "
        "ORDER BY a.at DESC, a.rowid DESC LIMIT ?", (after, limit)).fetchall()
    return [{"time": r[0], "step": r[1], "level": r[2], "title": r[3], "text": r[4],
             "id": r[5], "name": r[6]} for r in reversed(rows)]
