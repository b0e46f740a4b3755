"""Storing a draft as a version and recording who logged or used it.

Logging is two steps: the draft's files are stored as objects (``store.objects``: hashed and
copied in one read, complete or absent), then one transaction commits the version, its aliases
and the lineage row, after checking under the store's write lock that every object it needs is
there (a run deletion may have swept an unreferenced one meanwhile: it is stored again and the
commit retried). A kill before the commit leaves unreferenced objects that nothing shows and
that the next deletion sweeps; a kill after it leaves the whole version. Two processes logging
one name take turns on the write lock: the same content becomes one version, different
contents two consecutive ones.
"""

from __future__ import annotations

import os
import time
from typing import Any

from ..errors import Error, UsageError, did_you_mean
from ..sdk import registry
from ..sdk.run import store_and_rid
from ..store import Store, objects
from ..store import artifact_reads as reads
from ..store import artifact_rows as rows
from . import names
from .artifact import Artifact
from .entries import Source

COMMIT_ATTEMPTS = 3


def _check_run(run: Any, what: str) -> tuple[Store, int]:
    if getattr(run, "state", None) != "running":
        raise UsageError(f"{what}: run {run.id!r} is {run.state}; artifacts are logged and used "
                         "by a running run (resume it, or start another)")
    return store_and_rid(run)


def _hints(store: Store, project: str, name: str) -> dict[str, tuple[str, int]]:
    """path -> (digest, size) of the newest version's stored files: a file logged again under
    the same path and size (and the same bytes where ``objects.differs`` samples them) is hashed
    first and copied only if it changed."""
    row = store.conn.execute(
        "SELECT v.vid FROM artifact_versions v JOIN artifacts a ON a.aid=v.aid "
        "WHERE a.project=? AND a.name=? ORDER BY v.idx DESC LIMIT 1", (project, name)).fetchone()
    if row is None:
        return {}
    return {f["path"]: (f["digest"], f["size"]) for f in reads.files(store.conn, row[0])
            if f["ref"] is None}


def _store_file(store: Store, source: Source, hint: tuple[str, int] | None) -> rows.ManifestEntry:
    assert source.local is not None
    what = f"log_artifact ({source.path})"
    if (hint is not None and objects.exists(store.path, hint[0])
            and _size(source.local) == hint[1]
            and not objects.differs(store.path, hint[0], source.local)):
        digest, size = objects.hash_file(source.local, what)
        if digest == hint[0]:
            objects.refresh(store.path, digest)
            return rows.ManifestEntry(source.path, digest, size)
    digest, size = objects.store_file(store.path, source.local, what)
    return rows.ManifestEntry(source.path, digest, size)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError as exc:
        raise UsageError(f"log_artifact: cannot read {path!r} ({exc.strerror or exc})") from None


def _entries(store: Store, project: str, name: str, sources: list[Source]
             ) -> tuple[list[rows.ManifestEntry], dict[str, Source]]:
    hints = _hints(store, project, name)
    entries, by_digest = [], {}
    try:
        for source in sorted(sources, key=lambda s: s.path):
            entries.append(_entry(store, source, hints.get(source.path)))
            if source.kind == "file":
                by_digest[entries[-1].digest] = source
    except BaseException:
        # A refused entry (a file changed while read, content gone): the files stored before
        # it belong to no version, so they go now rather than with a later sweep (release
        # keeps any that a version holds).
        objects.release(store, by_digest)
        raise
    return entries, by_digest


def _entry(store: Store, source: Source, hint: tuple[str, int] | None) -> rows.ManifestEntry:
    if source.kind == "file":
        return _store_file(store, source, hint)
    assert source.digest is not None
    if source.kind == "object":
        if not objects.exists(store.path, source.digest):
            raise UsageError(f"log_artifact: the content of {source.path!r} is no longer in "
                             f"the store at {store.path} (its versions were deleted)")
        objects.refresh(store.path, source.digest)
        return rows.ManifestEntry(source.path, source.digest, source.size)
    return rows.ManifestEntry(source.path, source.digest, source.size, source.ref)


def commit(run: Any, artifact: Artifact, aliases: Any, role: str, what: str) -> Artifact:
    """Store a draft as a version of its name in the run's project; ``role`` ``logged``
    (an output of the run) or ``used`` (an input: ``use_artifact`` of a draft)."""
    store, rid = _check_run(run, what)
    if not artifact.is_draft():
        raise UsageError(f"{what}: {artifact.qualified_name} is already logged; start the next "
                         "version with artifact.new_draft()")
    alias_list = names.with_latest([*artifact.aliases, *names.check_aliases(aliases, what)],
                                   what)
    project, name, type_ = run.project, artifact.collection_name, artifact.type
    rows.check_type(store.conn, project, name, type_)  # before any file is read
    sources = artifact.draft_sources()
    if not sources:
        raise UsageError(f"{what}: artifact {name!r} has no files; add some with add_file, "
                         "add_dir, add_reference or new_file first")
    entries, by_digest = _entries(store, project, name, sources)
    stored = [e.digest for e in entries if e.ref is None]
    step = run.step
    for _ in range(COMMIT_ATTEMPTS):
        now = time.time()
        with store.transaction() as conn:
            missing = [d for d in dict.fromkeys(stored) if not objects.exists(store.path, d)]
            if not missing:
                if conn.execute("SELECT 1 FROM runs WHERE rid=?", (rid,)).fetchone() is None:
                    raise UsageError(f"{what}: run {run.id!r} is no longer in the store")
                done = rows.commit_version(
                    conn, project=project, name=name, type=type_, entries=entries,
                    description=artifact.description, metadata=artifact.metadata,
                    aliases=alias_list, now=now)
                if role == "logged":
                    rows.record_logged(conn, done.vid, rid, step, now)
                else:
                    rows.record_used(conn, done.vid, rid, f"v{done.index}", step, now)
                break
        for digest in missing:
            source = by_digest.get(digest)
            if source is None or source.local is None:
                raise Error(f"{what}: stored content {digest[:12]} vanished and cannot be "
                            "stored again")
            objects.store_file(store.path, source.local, what)
    else:
        raise Error(f"{what}: the store kept removing this artifact's files while it was being "
                    f"logged ({COMMIT_ATTEMPTS} attempts); try again")
    version = reads.version(store.conn, done.vid)
    assert version is not None
    artifact.stored_as(store, version, None if role == "logged" else f"v{done.index}")
    return artifact


def find(store: Store, project: str | None, wanted: names.Wanted, what: str) -> int:
    """The vid ``wanted`` names (in ``project`` when given, else in the one project holding
    the name); a ``UsageError`` saying what exists otherwise."""
    conn = store.conn
    if project is None:
        holders = reads.projects_holding(conn, wanted.name)
        if len(holders) != 1:
            hint = did_you_mean(wanted.name, reads.names_in(conn, None))
            raise UsageError(
                f"{what}: no artifact {wanted.name!r} in {store.path}{hint}" if not holders else
                f"{what}: artifact {wanted.name!r} is in {len(holders)} projects "
                f"({names.listed(holders)}); write project/{wanted.name}:{wanted.alias}")
        project = holders[0]
    aid = reads.artifact_id(conn, project, wanted.name)
    if aid is None:
        others = [p for p in reads.projects_holding(conn, wanted.name) if p != project]
        hint = did_you_mean(wanted.name, reads.names_in(conn, project))
        elsewhere = (f"; project {others[0]!r} has one: write "
                     f"'{others[0]}/{wanted.name}:{wanted.alias}'" if others else "")
        raise UsageError(f"{what}: no artifact {wanted.name!r} in project {project!r}{hint}"
                         f"{elsewhere}")
    vid = reads.resolve(conn, aid, wanted.alias)
    if vid is None:
        raise UsageError(f"{what}: artifact {project}/{wanted.name} has no version or alias "
                         f"{wanted.alias!r}; it has {names.listed(reads.choices(conn, aid))}")
    return vid


def bound(store: Store, vid: int, asked: str | None, what: str) -> Artifact:
    version = reads.version(store.conn, vid)
    if version is None:
        raise UsageError(f"{what}: that artifact version no longer exists")
    artifact = Artifact(version["name"], version["type"])
    artifact.stored_as(store, version, asked)
    return artifact


def use(run: Any, target: Any, type: str | None, aliases: Any, what: str) -> Artifact:
    """Record that the run uses a version (``name[:alias]`` or an Artifact); the version."""
    store, rid = _check_run(run, what)
    if type is not None:
        names.check_type(type, "type")
    if isinstance(target, Artifact):
        if target.is_draft():
            if type is not None and type != target.type:
                raise UsageError(f"{what}: type={type!r} but the artifact's type is "
                                 f"{target.type!r}")
            return commit(run, target, aliases, "used", what)
        if target.store_path != store.path:
            raise UsageError(f"{what}: {target.qualified_name} is in the store at "
                             f"{target.store_path}, but run {run.id!r} writes to {store.path}; "
                             "use it by name from a run of that store")
        vid, asked = target.vid, target.asked_as or target.version
    else:
        wanted = names.parse(target, what)
        vid = find(store, wanted.project or run.project, wanted, what)
        asked = wanted.alias
    assert vid is not None and asked is not None
    artifact = bound(store, vid, asked, what)
    if type is not None and type != artifact.type:
        raise UsageError(f"{what}: {artifact.qualified_name} has type {artifact.type!r}, not "
                         f"{type!r}")
    with store.transaction() as conn:
        if reads.version(conn, vid) is None:
            raise UsageError(f"{what}: {artifact.qualified_name} was deleted meanwhile")
        rows.record_used(conn, vid, rid, asked, run.step, time.time())
    return artifact


def save_fields(store: Store, artifact: Artifact) -> None:
    names.check_aliases(artifact.aliases, "aliases")
    with store.transaction() as conn:
        if not rows.set_version_fields(conn, artifact.vid, artifact.aliases,
                                       artifact.description, artifact.metadata, time.time()):
            raise UsageError(f"save: {artifact.qualified_name} no longer exists, so no alias can "
                             "be set on it")
    version = reads.version(store.conn, artifact.vid)
    assert version is not None
    artifact.stored_as(store, version, artifact.asked_as)


def log_with_current_run(artifact: Artifact) -> Artifact:
    run = registry.current()
    if run is None:
        raise UsageError("save: a draft artifact is logged by a run; call nbrun.init() first, "
                         "or run.log_artifact(artifact)")
    return commit(run, artifact, None, "logged", "save")
