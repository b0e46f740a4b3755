"""Reading artifacts back: names, versions (with aliases, sizes and who logged them), a
version's files, and looking a version up by ``v<n>``, alias or digest. Plain dicts, read by
``nbrun.artifacts`` and the server extension alike; ``vid``/``aid`` are the store's own keys."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any, Sequence

VERSION_RE = re.compile(r"v(0|[1-9][0-9]{0,17})")
DIGEST_RE = re.compile(r"[0-9a-f]{64}")

_VERSION_COLUMNS = ("v.vid, v.aid, v.idx, v.digest, v.description, v.metadata, v.size, "
                    "v.file_count, v.created_at, a.project, a.name, a.type")


def artifact_id(conn: sqlite3.Connection, project: str, name: str) -> int | None:
    row = conn.execute("SELECT aid FROM artifacts WHERE project=? AND name=?",
                       (project, name)).fetchone()
    return None if row is None else row[0]


def projects_holding(conn: sqlite3.Connection, name: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT project FROM artifacts WHERE name=? ORDER BY project", (name,))]


def names_in(conn: sqlite3.Connection, project: str | None) -> list[str]:
    sql = "SELECT name FROM artifacts" + (" WHERE project=?" if project is not None else "")
    return [r[0] for r in conn.execute(sql, (project,) if project is not None else ())]


def resolve(conn: sqlite3.Connection, aid: int, spec: str) -> int | None:
    """The version ``spec`` names: ``v<n>``, an alias, or the manifest digest."""
    found = VERSION_RE.fullmatch(spec)
    if found:
        row = conn.execute("SELECT vid FROM artifact_versions WHERE aid=? AND idx=?",
                           (aid, int(found.group(1)))).fetchone()
    elif DIGEST_RE.fullmatch(spec):
        row = conn.execute("SELECT vid FROM artifact_versions WHERE aid=? AND digest=?",
                           (aid, spec)).fetchone()
    else:
        row = conn.execute("SELECT vid FROM artifact_aliases WHERE aid=? AND alias=?",
                           (aid, spec)).fetchone()
    return None if row is None else row[0]


def choices(conn: sqlite3.Connection, aid: int) -> list[str]:
    """What a version of this name can be asked by: its aliases and the newest versions."""
    aliases = [r[0] for r in conn.execute(
        "SELECT alias FROM artifact_aliases WHERE aid=? ORDER BY alias", (aid,))]
    newest = [f"v{r[0]}" for r in conn.execute(
        "SELECT idx FROM artifact_versions WHERE aid=? ORDER BY idx DESC LIMIT 5", (aid,))]
    return aliases + newest


def names(conn: sqlite3.Connection, project: str | None = None, type: str | None = None,
          name: str | None = None) -> list[dict[str, Any]]:
    """Artifact names with their type, version count, newest version, total size and
    aliases (alias -> ``v<n>``), by project and name."""
    where, args = [], []
    for column, value in (("a.project", project), ("a.type", type), ("a.name", name)):
        if value is not None:
            where.append(f"{column}=?")
            args.append(value)
    sql = ("SELECT a.aid, a.project, a.name, a.type, a.created_at, a.updated_at, "
           "count(v.vid), max(v.idx), coalesce(sum(v.size), 0) FROM artifacts a "
           "LEFT JOIN artifact_versions v ON v.aid=a.aid"
           + (" WHERE " + " AND ".join(where) if where else "")
           + " GROUP BY a.aid ORDER BY a.project, a.name")
    rows = conn.execute(sql, args).fetchall()
    aliases: dict[int, dict[str, str]] = {}
    if rows:
        for aid, alias, idx in conn.execute(
                "SELECT al.aid, al.alias, v.idx FROM artifact_aliases al "
                "JOIN artifact_versions v ON v.vid=al.vid"):
            aliases.setdefault(aid, {})[alias] = f"v{idx}"
    return [{"aid": r[0], "project": r[1], "name": r[2], "type": r[3], "created_at": r[4],
             "updated_at": r[5], "versions": r[6],
             "latest": None if r[7] is None else f"v{r[7]}", "size": r[8],
             "aliases": dict(sorted(aliases.get(r[0], {}).items()))} for r in rows]


def _version_dict(row: sqlite3.Row | tuple) -> dict[str, Any]:
    (vid, aid, idx, digest, description, metadata, size, file_count, created_at, project, name,
     type_) = row
    return {"vid": vid, "aid": aid, "project": project, "name": name, "type": type_,
            "version": f"v{idx}", "index": idx, "digest": digest, "description": description,
            "metadata": json.loads(metadata), "size": size, "file_count": file_count,
            "created_at": created_at, "aliases": [], "logged_by": None, "used_count": 0}


def _annotate(conn: sqlite3.Connection, versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Aliases, the run that logged each version first, and how many runs used it."""
    for start in range(0, len(versions), _BATCH):
        _annotate_batch(conn, versions[start:start + _BATCH])
    return versions


_BATCH = 500  # versions per query: well under SQLite's limit of bound values


def _annotate_batch(conn: sqlite3.Connection, versions: list[dict[str, Any]]) -> None:
    by_vid = {v["vid"]: v for v in versions}
    marks = ", ".join("?" for _ in by_vid)
    vids = tuple(by_vid)
    for vid, alias in conn.execute(
            f"SELECT vid, alias FROM artifact_aliases WHERE vid IN ({marks}) ORDER BY alias",
            vids):
        by_vid[vid]["aliases"].append(alias)
    for vid, run_id, run_name, state, step in conn.execute(
            "SELECT l.vid, r.id, r.name, r.state, l.step FROM artifact_logged l "
            f"JOIN runs r ON r.rid=l.rid WHERE l.vid IN ({marks}) ORDER BY l.at DESC, l.rid DESC",
            vids):
        by_vid[vid]["logged_by"] = {"id": run_id, "name": run_name, "state": state,
                                    "step": step}  # the earliest comes last and stays
    for vid, count in conn.execute(
            f"SELECT vid, count(DISTINCT rid) FROM artifact_used WHERE vid IN ({marks}) "
            "GROUP BY vid", vids):
        by_vid[vid]["used_count"] = count


def version(conn: sqlite3.Connection, vid: int) -> dict[str, Any] | None:
    row = conn.execute(f"SELECT {_VERSION_COLUMNS} FROM artifact_versions v "
                       "JOIN artifacts a ON a.aid=v.aid WHERE v.vid=?", (vid,)).fetchone()
    return None if row is None else _annotate(conn, [_version_dict(row)])[0]


def versions(conn: sqlite3.Connection, aid: int, offset: int = 0, limit: int | None = None
             ) -> list[dict[str, Any]]:
    """The versions of a name, newest first."""
    rows = conn.execute(f"SELECT {_VERSION_COLUMNS} FROM artifact_versions v "
                        "JOIN artifacts a ON a.aid=v.aid WHERE v.aid=? ORDER BY v.idx DESC "
                        "LIMIT ? OFFSET ?", (aid, -1 if limit is None else limit, offset))
    return _annotate(conn, [_version_dict(r) for r in rows])


def versions_where(conn: sqlite3.Connection, project: str | None, type: str | None,
                   name: str | None) -> list[dict[str, Any]]:
    """Every version of the names that match, by project, name and version."""
    where, args = [], []
    for column, value in (("a.project", project), ("a.type", type), ("a.name", name)):
        if value is not None:
            where.append(f"{column}=?")
            args.append(value)
    rows = conn.execute(f"SELECT {_VERSION_COLUMNS} FROM artifact_versions v "
                        "JOIN artifacts a ON a.aid=v.aid"
                        + (" WHERE " + " AND ".join(where) if where else "")
                        + " ORDER BY a.project, a.name, v.idx", args).fetchall()
    return _annotate(conn, [_version_dict(r) for r in rows])


def count_versions(conn: sqlite3.Connection, aid: int) -> int:
    return conn.execute("SELECT count(*) FROM artifact_versions WHERE aid=?", (aid,)).fetchone()[0]


def files(conn: sqlite3.Connection, vid: int, offset: int = 0, limit: int | None = None
          ) -> list[dict[str, Any]]:
    """The version's manifest by path: ``{path, digest, size, ref}``."""
    rows = conn.execute("SELECT path, digest, size, ref FROM artifact_files WHERE vid=? "
                        "ORDER BY path LIMIT ? OFFSET ?",
                        (vid, -1 if limit is None else limit, offset))
    return [{"path": p, "digest": d, "size": s, "ref": r} for p, d, s, r in rows]


def file(conn: sqlite3.Connection, vid: int, path: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT path, digest, size, ref FROM artifact_files WHERE vid=? AND path=?",
                       (vid, path)).fetchone()
    return None if row is None else {"path": row[0], "digest": row[1], "size": row[2],
                                     "ref": row[3]}


def runs_of(conn: sqlite3.Connection, vid: int, role: str) -> list[dict[str, Any]]:
    """The runs that ``logged`` or ``used`` a version, oldest first (a used row also says the
    alias asked for, and ``via``: the run a fork inherited the use from)."""
    if role == "logged":
        sql = ("SELECT r.id, r.name, r.state, r.project, l.step, l.at, NULL, NULL "
               "FROM artifact_logged l JOIN runs r ON r.rid=l.rid WHERE l.vid=? "
               "ORDER BY l.at, l.rid")
    else:
        sql = ("SELECT r.id, r.name, r.state, r.project, u.step, u.at, u.asked, u.via "
               "FROM artifact_used u JOIN runs r ON r.rid=u.rid WHERE u.vid=? "
               "ORDER BY u.at, u.rid")
    out = []
    for run_id, run_name, state, project, step, at, asked, via in conn.execute(sql, (vid,)):
        entry = {"id": run_id, "name": run_name, "state": state, "project": project,
                 "step": step, "at": at}
        if role != "logged":
            entry.update(asked=asked, via=via)
        out.append(entry)
    return out


def vids_of_run(conn: sqlite3.Connection, rid: int, role: str) -> list[tuple[int, dict]]:
    """``(vid, how)`` for each version the run logged or used, in the order it did."""
    if role == "logged":
        rows = conn.execute("SELECT vid, step, at, NULL, NULL FROM artifact_logged WHERE rid=? "
                            "ORDER BY at, vid", (rid,))
    else:
        rows = conn.execute("SELECT vid, step, at, asked, via FROM artifact_used WHERE rid=? "
                            "ORDER BY at, vid", (rid,))
    out = []
    for vid, step, at, asked, via in rows:
        how: dict[str, Any] = {"step": step, "at": at}
        if role != "logged":
            how.update(asked=asked, via=via)
        out.append((vid, how))
    return out


def versions_by_vid(conn: sqlite3.Connection, vids: Sequence[int]) -> dict[int, dict[str, Any]]:
    rows: list[Any] = []
    vids = list(vids)
    for start in range(0, len(vids), _BATCH):
        part = vids[start:start + _BATCH]
        marks = ", ".join("?" for _ in part)
        rows += conn.execute(f"SELECT {_VERSION_COLUMNS} FROM artifact_versions v "
                             f"JOIN artifacts a ON a.aid=v.aid WHERE v.vid IN ({marks})",
                             tuple(part)).fetchall()
    return {v["vid"]: v for v in _annotate(conn, [_version_dict(r) for r in rows])}
