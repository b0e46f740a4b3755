"""Writing artifact versions, aliases and lineage rows (schema 6), inside the caller's
transaction, and removing what a deleted run leaves unreferenced.

A version is its manifest: rows ``(path, digest, size, ref)``; ``ref`` is NULL for a file whose
content is the object ``digest`` (see ``objects.py``) and holds the URI of a reference. The
version's digest is ``manifest_digest`` of those rows, so the same content is the same version
whatever the order files were added in. These rows are also what a sync to a tracking server
reads: each version's files with their digests, so each object can be sent once.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from ..errors import UsageError

LATEST = "latest"


@dataclass(frozen=True)
class ManifestEntry:
    path: str
    digest: str
    size: int | None
    ref: str | None = None


@dataclass(frozen=True)
class Committed:
    aid: int
    vid: int
    index: int
    created: bool  # False: the content was already a version of this name


def manifest_digest(entries: Iterable[ManifestEntry]) -> str:
    """SHA-256 of the manifest: each entry's path, digest, size and reference, by path."""
    hasher = hashlib.sha256(b"nbrun-artifact-manifest-v1\n")
    for e in sorted(entries, key=lambda e: e.path):
        line = json.dumps([e.path, e.digest, e.size, e.ref], separators=(",", ":"),
                          ensure_ascii=False)
        hasher.update(line.encode("utf-8") + b"\n")
    return hasher.hexdigest()


def type_of(conn: sqlite3.Connection, project: str, name: str) -> str | None:
    row = conn.execute("SELECT type FROM artifacts WHERE project=? AND name=?",
                       (project, name)).fetchone()
    return None if row is None else row[0]


def check_type(conn: sqlite3.Connection, project: str, name: str, type: str) -> None:
    known = type_of(conn, project, name)
    if known is not None and known != type:
        raise UsageError(f"artifact {name!r} of project {project!r} has type {known!r}; a version "
                         f"of type {type!r} cannot join it: log it under another name, or with "
                         f"type={known!r}")


def commit_version(conn: sqlite3.Connection, *, project: str, name: str, type: str,
                   entries: Sequence[ManifestEntry], description: str | None,
                   metadata: dict[str, Any], aliases: Sequence[str], now: float
                   ) -> Committed:
    """The version of ``name`` with this manifest: the existing one with the same digest, or
    the next version (``v<n>``, numbers never reused). ``aliases`` move to it."""
    check_type(conn, project, name, type)
    row = conn.execute("SELECT aid FROM artifacts WHERE project=? AND name=?",
                       (project, name)).fetchone()
    if row is None:
        aid = int(conn.execute(
            "INSERT INTO artifacts (project, name, type, next_index, created_at, updated_at) "
            "VALUES (?, ?, ?, 0, ?, ?)", (project, name, type, now, now)).lastrowid)
    else:
        aid = row[0]
    digest = manifest_digest(entries)
    found = conn.execute("SELECT vid, idx FROM artifact_versions WHERE aid=? AND digest=?",
                         (aid, digest)).fetchone()
    created = found is None
    if found is None:
        index = conn.execute("SELECT next_index FROM artifacts WHERE aid=?", (aid,)).fetchone()[0]
        size = sum(e.size or 0 for e in entries)
        vid = int(conn.execute(
            "INSERT INTO artifact_versions (aid, idx, digest, description, metadata, size, "
            "file_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (aid, index, digest, description, json.dumps(metadata), size, len(entries),
             now)).lastrowid)
        conn.executemany("INSERT INTO artifact_files (vid, path, digest, size, ref) "
                         "VALUES (?, ?, ?, ?, ?)",
                         [(vid, e.path, e.digest, e.size, e.ref) for e in entries])
        conn.execute("UPDATE artifacts SET next_index=? WHERE aid=?", (index + 1, aid))
    else:
        vid, index = found
    move_aliases(conn, aid, vid, aliases)
    conn.execute("UPDATE artifacts SET updated_at=? WHERE aid=?", (now, aid))
    return Committed(aid, vid, index, created)


def move_aliases(conn: sqlite3.Connection, aid: int, vid: int, aliases: Iterable[str]) -> None:
    """Point each alias of the name at version ``vid`` (taking it from another version)."""
    conn.executemany(
        "INSERT INTO artifact_aliases (aid, alias, vid) VALUES (?, ?, ?) "
        "ON CONFLICT (aid, alias) DO UPDATE SET vid=excluded.vid",
        [(aid, alias, vid) for alias in dict.fromkeys(aliases)])


def set_version_fields(conn: sqlite3.Connection, vid: int, aliases: Sequence[str],
                       description: str | None, metadata: dict[str, Any], now: float) -> bool:
    """A logged version edited (``Artifact.save()``): its aliases become exactly ``aliases``
    (moved from other versions as needed), its description and metadata replaced. False when
    the version no longer exists."""
    row = conn.execute("SELECT aid FROM artifact_versions WHERE vid=?", (vid,)).fetchone()
    if row is None:
        return False
    aid = row[0]
    keep = list(dict.fromkeys(aliases))
    marks = ", ".join("?" for _ in keep)
    conn.execute(f"DELETE FROM artifact_aliases WHERE vid=? AND alias NOT IN ({marks})"
                 if keep else "DELETE FROM artifact_aliases WHERE vid=?", (vid, *keep))
    move_aliases(conn, aid, vid, keep)
    conn.execute("UPDATE artifact_versions SET description=?, metadata=? WHERE vid=?",
                 (description, json.dumps(metadata), vid))
    conn.execute("UPDATE artifacts SET updated_at=? WHERE aid=?", (now, aid))
    return True


def record_logged(conn: sqlite3.Connection, vid: int, rid: int, step: int | None,
                  now: float) -> None:
    conn.execute("INSERT OR IGNORE INTO artifact_logged (vid, rid, step, at) VALUES (?, ?, ?, ?)",
                 (vid, rid, step, now))


def record_used(conn: sqlite3.Connection, vid: int, rid: int, asked: str, step: int | None,
                now: float, via: str | None = None) -> None:
    conn.execute("INSERT OR IGNORE INTO artifact_used (vid, rid, asked, step, at, via) "
                 "VALUES (?, ?, ?, ?, ?, ?)", (vid, rid, asked, step, now, via))


def inherit_inputs(conn: sqlite3.Connection, source_rid: int, source_id: str, rid: int,
                   step: int) -> None:
    """A fork at ``step`` depends on what its source used up to that step: those uses are
    the fork's too, marked as inherited (``via``: the run they came from)."""
    conn.execute(
        "INSERT OR IGNORE INTO artifact_used (vid, rid, asked, step, at, via) "
        "SELECT vid, ?, asked, step, at, COALESCE(via, ?) FROM artifact_used "
        "WHERE rid=? AND (step IS NULL OR step<=?)", (rid, source_id, source_rid, step))


def forget_run(conn: sqlite3.Connection, rid: int) -> list[str]:
    """Remove a deleted run's lineage rows, then every version that no remaining run logged
    or used (with its files and aliases; ``latest`` moves back to the newest version left;
    a name left without versions goes too). Returns the objects those versions held, for
    ``objects.release`` once the transaction is committed."""
    touched = [r[0] for r in conn.execute(
        "SELECT vid FROM artifact_logged WHERE rid=? UNION SELECT vid FROM artifact_used "
        "WHERE rid=?", (rid, rid))]
    conn.execute("DELETE FROM artifact_logged WHERE rid=?", (rid,))
    conn.execute("DELETE FROM artifact_used WHERE rid=?", (rid,))
    freed: list[str] = []
    for vid in touched:
        if (conn.execute("SELECT 1 FROM artifact_logged WHERE vid=? LIMIT 1", (vid,)).fetchone()
                or conn.execute("SELECT 1 FROM artifact_used WHERE vid=? LIMIT 1",
                                (vid,)).fetchone()):
            continue
        freed += delete_version(conn, vid)
    return freed


def delete_version(conn: sqlite3.Connection, vid: int) -> list[str]:
    """Remove one version; the objects it held (some may still be held by others)."""
    row = conn.execute("SELECT aid FROM artifact_versions WHERE vid=?", (vid,)).fetchone()
    if row is None:
        return []
    aid = row[0]
    digests = [r[0] for r in conn.execute(
        "SELECT digest FROM artifact_files WHERE vid=? AND ref IS NULL", (vid,))]
    had_latest = conn.execute("SELECT 1 FROM artifact_aliases WHERE vid=? AND alias=?",
                              (vid, LATEST)).fetchone() is not None
    conn.execute("DELETE FROM artifact_files WHERE vid=?", (vid,))
    conn.execute("DELETE FROM artifact_aliases WHERE vid=?", (vid,))
    conn.execute("DELETE FROM artifact_used WHERE vid=?", (vid,))
    conn.execute("DELETE FROM artifact_logged WHERE vid=?", (vid,))
    conn.execute("DELETE FROM artifact_versions WHERE vid=?", (vid,))
    newest = conn.execute("SELECT vid FROM artifact_versions WHERE aid=? ORDER BY idx DESC "
                          "LIMIT 1", (aid,)).fetchone()
    if newest is None:
        conn.execute("DELETE FROM artifacts WHERE aid=?", (aid,))
    elif had_latest:
        move_aliases(conn, aid, newest[0], [LATEST])
    return digests
