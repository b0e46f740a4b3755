"""Which artifact lineage rows of a run are on its tracking server: the ``sent`` columns of
``artifact_logged`` (a version the run logged) and ``artifact_used`` (one it used).

A row's ``sent`` is NULL until everything of it is on the server run, then a JSON note of
what went where ('' when there was nothing to send). The syncer marks rows only while it
holds the run's lease (see ``syncstate``), as it does for media; a new server run for the run
(a rewind) starts from nothing: ``reset`` clears the marks.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from .database import Store

_COLUMNS = ("v.vid, a.project, a.name, a.type, v.idx, v.digest, v.description, v.metadata, "
            "v.size, v.file_count")


class Version(NamedTuple):
    """A version a run logged or used, with what the sync sends of it."""

    vid: int
    project: str
    name: str
    type: str
    index: int
    digest: str
    description: str | None
    metadata: dict[str, Any]
    size: int
    file_count: int
    aliases: list[str]
    asked: str | None  # for a use: the alias or version asked for
    step: int | None  # the step of the run it was logged or used at


def _versions(store: Store, sql: str, args: tuple[Any, ...]) -> list[Version]:
    rows = store.conn.execute(sql, args).fetchall()
    out = []
    for row in rows:
        vid = row[0]
        aliases = [r[0] for r in store.conn.execute(
            "SELECT alias FROM artifact_aliases WHERE vid=? ORDER BY alias", (vid,))]
        out.append(Version(vid, row[1], row[2], row[3], row[4], row[5], row[6],
                           json.loads(row[7]), row[8], row[9], aliases,
                           row[10], row[11]))
    return out


def pending_logged(store: Store, rid: int, limit: int) -> list[Version]:
    """The oldest ``limit`` versions ``rid`` logged that are not yet on its server."""
    return _versions(store, f"SELECT {_COLUMNS}, NULL, l.step FROM artifact_logged l "
                            "JOIN artifact_versions v ON v.vid=l.vid "
                            "JOIN artifacts a ON a.aid=v.aid WHERE l.rid=? AND l.sent IS NULL "
                            "ORDER BY l.at, l.vid LIMIT ?", (rid, limit))


def pending_used(store: Store, rid: int, limit: int) -> list[Version]:
    """The oldest ``limit`` uses of ``rid`` not yet on its server (one per version and alias
    asked)."""
    return _versions(store, f"SELECT {_COLUMNS}, u.asked, u.step FROM artifact_used u "
                            "JOIN artifact_versions v ON v.vid=u.vid "
                            "JOIN artifacts a ON a.aid=v.aid WHERE u.rid=? AND u.sent IS NULL "
                            "ORDER BY u.at, u.vid, u.asked LIMIT ?", (rid, limit))


def newest_logged(store: Store, rid: int, aid_name: tuple[str, str]) -> int | None:
    """The highest version number of ``(project, name)`` that ``rid`` logged."""
    row = store.conn.execute(
        "SELECT max(v.idx) FROM artifact_logged l JOIN artifact_versions v ON v.vid=l.vid "
        "JOIN artifacts a ON a.aid=v.aid WHERE l.rid=? AND a.project=? AND a.name=?",
        (rid, *aid_name)).fetchone()
    return None if row is None else row[0]


def count_pending(store: Store, rid: int) -> int:
    return store.conn.execute(
        "SELECT (SELECT count(*) FROM artifact_logged WHERE rid=? AND sent IS NULL) + "
        "(SELECT count(*) FROM artifact_used WHERE rid=? AND sent IS NULL)",
        (rid, rid)).fetchone()[0]


def _held(conn: Any, rid: int, owner: str) -> bool:
    return conn.execute("SELECT 1 FROM sync WHERE rid=? AND lease_owner=?",
                        (rid, owner)).fetchone() is not None


def mark_logged(store: Store, rid: int, owner: str, vid: int, note: dict[str, Any]) -> bool:
    """Record version ``vid`` logged by ``rid`` as on the server; False (nothing recorded) when
    ``owner`` no longer holds the run's lease."""
    with store.transaction() as conn:
        if not _held(conn, rid, owner):
            return False
        conn.execute("UPDATE artifact_logged SET sent=? WHERE rid=? AND vid=?",
                     (json.dumps(note), rid, vid))
    return True


def mark_used(store: Store, rid: int, owner: str, uses: list[tuple[int, str]],
              note: dict[str, Any]) -> bool:
    """Record uses ``(vid, asked)`` of ``rid`` as on the server (see ``mark_logged``)."""
    with store.transaction() as conn:
        if not _held(conn, rid, owner):
            return False
        conn.executemany("UPDATE artifact_used SET sent=? WHERE rid=? AND vid=? AND asked=?",
                         [(json.dumps(note), rid, vid, asked) for vid, asked in uses])
    return True


def logged_note(store: Store, rid: int, vid: int) -> dict[str, Any] | None:
    """What the sync recorded of version ``vid`` logged by ``rid`` (None: not sent yet)."""
    row = store.conn.execute("SELECT sent FROM artifact_logged WHERE rid=? AND vid=?",
                             (rid, vid)).fetchone()
    return None if row is None or row[0] is None else json.loads(row[0] or "{}")


def reset(store: Store, rid: int) -> None:
    """Every lineage row of ``rid`` is to be sent again (to a new server run)."""
    with store.transaction() as conn:
        conn.execute("UPDATE artifact_logged SET sent=NULL WHERE rid=? AND sent IS NOT NULL",
                     (rid,))
        conn.execute("UPDATE artifact_used SET sent=NULL WHERE rid=? AND sent IS NOT NULL",
                     (rid,))


def logged_by(store: Store, vid: int) -> list[int]:
    """The runs that logged version ``vid``, the first first."""
    return [r[0] for r in store.conn.execute(
        "SELECT rid FROM artifact_logged WHERE vid=? ORDER BY at, rid", (vid,))]
