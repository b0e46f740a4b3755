"""What the artifact endpoints do (the JSON shapes are in ``artifact_handlers``): plain
synchronous functions over the known stores, run on a worker thread; every input is checked
before anything is read, failures are ``ApiError``."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from .. import validation as rules
from ..errors import Error, UsageError
from ..store import artifact_lineage as lineage
from ..store import artifact_reads as reads
from ..store import objects, search
from . import params
from .errors import ApiError, bad_request, conflict, not_found
from .registry import StoreHandle
from .service import Service

log = logging.getLogger(__name__)

NAME_MAX = 128
VERSIONS_LIMIT_DEFAULT, VERSIONS_LIMIT_MAX = 100, 1000
FILES_LIMIT_DEFAULT, FILES_LIMIT_MAX = 1000, 10_000
HOPS_DEFAULT, HOPS_MAX = 1, 4
_INTERNAL = ("vid", "aid")


def public(version: dict[str, Any]) -> dict[str, Any]:
    """A version without the store's own keys."""
    return {k: v for k, v in version.items() if k not in _INTERNAL}


def _text(query: params.Query, name: str, required: bool = True) -> str | None:
    value = params.one(query, name)
    if value in (None, ""):
        if required:
            raise bad_request(f"{name} is required")
        return None
    assert value is not None
    if len(value) > NAME_MAX or any(ord(c) < 32 for c in value):
        raise bad_request(f"{name}={value[:80]!r} is not an artifact {name} (at most "
                          f"{NAME_MAX} characters, no control characters)")
    return value


def _project(query: params.Query, required: bool = True) -> str | None:
    project = params.one(query, "project") or None
    if project is None:
        if required:
            raise bad_request("project is required")
        return None
    try:
        return rules.check_project(project)
    except UsageError as exc:
        raise bad_request(str(exc)) from None


def _count(query: params.Query, name: str, default: int, high: int) -> int:
    text = params.one(query, name)
    if text in (None, ""):
        return default
    assert text is not None
    if not text.isdigit() or len(text) > 9:
        raise bad_request(f"{name}={text!r} is not a whole number")
    value = int(text)
    if value > high:
        raise bad_request(f"{name}={value} is out of range; use 0 to {high}")
    return value


class ArtifactService:
    def __init__(self, service: Service) -> None:
        self.service = service
        self.registry = service.registry

    # -- which store -------------------------------------------------------------------------
    def _readable(self, key: str | None) -> list[StoreHandle]:
        return [self.registry.get(key)] if key is not None else self.registry.stores()

    def _named(self, query: params.Query) -> tuple[StoreHandle, int, str, str]:
        """The store and aid of ``project``/``name`` (in ``store`` when given, else in the
        only store holding it)."""
        key = params.store_key(query)
        project, name = _project(query), _text(query, "name")
        assert project is not None and name is not None
        found = []
        for handle in self._readable(key):
            try:
                aid = reads.artifact_id(handle.store.conn, project, name)
            except (sqlite3.Error, Error) as exc:
                if key is not None:
                    raise
                log.warning("nbrun: store %s left out of an artifact search: %s", handle.path,
                            exc)
                continue
            if aid is not None:
                found.append((handle, aid))
        if not found:
            where = f" in store {self.registry.get(key).path}" if key else " in any store"
            raise not_found(f"no artifact {project}/{name}{where}")
        if len(found) > 1:
            raise conflict(f"artifact {project}/{name} is in {len(found)} stores "
                           f"({', '.join(h.path for h, _ in found)}); pass store=<key> "
                           f"({', '.join(h.key for h, _ in found)})")
        return found[0][0], found[0][1], project, name

    def _version(self, handle: StoreHandle, aid: int, project: str, name: str, spec: str | None,
                 what: str) -> int:
        if spec is None:
            raise bad_request(f"{what} is required (v<n>, an alias, or a digest)")
        vid = reads.resolve(handle.store.conn, aid, spec)
        if vid is None:
            raise not_found(f"artifact {project}/{name} has no version or alias {spec!r}")
        return vid

    # -- endpoints ---------------------------------------------------------------------------
    def run_artifacts(self, run_id: str, query: params.Query) -> dict[str, Any]:
        handle = self.service.locate(run_id, params.store_key(query))
        rid = search.find_rid(handle.store, run_id)
        if rid is None:
            raise not_found(f"no run {run_id!r} in store {handle.path}")
        found = lineage.run_artifacts(handle.store.conn, rid)
        return {"store": handle.key, "run": run_id,
                "outputs": [public(v) for v in found["outputs"]],
                "inputs": [public(v) for v in found["inputs"]]}

    def list_names(self, query: params.Query) -> dict[str, Any]:
        key = params.store_key(query)
        project = _project(query, required=False)
        type_, name = _text(query, "type", False), _text(query, "name", False)
        out = []
        for handle in self._readable(key):
            try:
                found = reads.names(handle.store.conn, project, type_, name)
            except (sqlite3.Error, Error) as exc:
                if key is not None:
                    raise
                log.warning("nbrun: leaving store %s out of the artifacts: %s", handle.path, exc)
                continue
            out += [{"store": handle.key, **{k: v for k, v in n.items() if k != "aid"}}
                    for n in found]
        return {"artifacts": out}

    def versions(self, query: params.Query) -> dict[str, Any]:
        handle, aid, project, name = self._named(query)
        offset = _count(query, "offset", 0, 10**9)
        limit = _count(query, "limit", VERSIONS_LIMIT_DEFAULT, VERSIONS_LIMIT_MAX)
        conn = handle.store.conn
        (summary,) = reads.names(conn, project, None, name)
        page = reads.versions(conn, aid, offset, limit)
        return {"store": handle.key, "project": project, "name": name, "type": summary["type"],
                "total": summary["versions"], "offset": offset, "limit": limit,
                "aliases": summary["aliases"], "versions": [public(v) for v in page]}

    def version(self, query: params.Query) -> dict[str, Any]:
        handle, aid, project, name = self._named(query)
        vid = self._version(handle, aid, project, name, params.one(query, "version"), "version")
        offset = _count(query, "files_offset", 0, 10**9)
        limit = _count(query, "files_limit", FILES_LIMIT_DEFAULT, FILES_LIMIT_MAX)
        conn = handle.store.conn
        found = reads.version(conn, vid)
        if found is None:
            raise not_found(f"artifact {project}/{name}: that version was just deleted")
        return {"store": handle.key, **public(found),
                "files": reads.files(conn, vid, offset, limit), "files_offset": offset,
                "files_limit": limit, "files_total": found["file_count"],
                "logged": reads.runs_of(conn, vid, "logged"),
                "used": reads.runs_of(conn, vid, "used")}

    def graph(self, query: params.Query) -> dict[str, Any]:
        handle, aid, project, name = self._named(query)
        hops = _count(query, "hops", HOPS_DEFAULT, HOPS_MAX)
        if hops < 1:
            raise bad_request(f"hops={hops} is out of range; use 1 to {HOPS_MAX}")
        spec = params.one(query, "version")
        conn = handle.store.conn
        if spec:
            vids = [self._version(handle, aid, project, name, spec, "version")]
        else:
            vids = [r[0] for r in conn.execute(
                "SELECT vid FROM artifact_versions WHERE aid=? ORDER BY idx", (aid,))]
        return {"store": handle.key, "project": project, "name": name, "hops": hops,
                **lineage.graph(conn, vids, hops)}

    def diff(self, query: params.Query) -> dict[str, Any]:
        handle, aid, project, name = self._named(query)
        a = self._version(handle, aid, project, name, params.one(query, "a"), "a")
        b = self._version(handle, aid, project, name, params.one(query, "b"), "b")
        return {"store": handle.key, "project": project, "name": name,
                **lineage.diff(handle.store.conn, a, b)}

    def file(self, query: params.Query) -> tuple[int, str]:
        """An open descriptor of a version's file and its path (for its content type); the
        caller serves and closes it."""
        handle, aid, project, name = self._named(query)
        vid = self._version(handle, aid, project, name, params.one(query, "version"), "version")
        path = params.one(query, "path")
        if not path:
            raise bad_request("path is required (a file of the version)")
        entry = reads.file(handle.store.conn, vid, path)
        if entry is None:
            raise not_found(f"artifact {project}/{name} has no file {path!r} in that version")
        if entry["ref"] is not None:
            raise ApiError(409, f"{path!r} is a reference ({entry['ref']}); nbrun records "
                                "references and does not hold their content")
        fd = objects.open_object(handle.store.path, entry["digest"])
        if fd is None:
            raise ApiError(500, f"the content of {path!r} is missing from the store at "
                                f"{handle.path}; the store is damaged")
        return fd, path
