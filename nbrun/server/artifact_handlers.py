"""The artifact endpoints, below ``<base_url>nbrun/api/`` like the others (Jupyter's
authentication on each; every parameter checked before anything is read; errors are
``{"message": ...}`` with 400, 404, 409 or 500). ``store`` (a store key from ``GET stores``) is
optional everywhere: without it the only store holding the run or artifact is used (409 when
several do). Versions are asked for as ``v<n>``, an alias (``latest``, ``best``...) or the
version's digest.

Shapes (all times are seconds since the epoch; sizes are bytes, null for a reference of
unknown size)::

    Version = {"project", "name", "type", "version": "v3", "index": 3, "digest": sha256 hex,
               "description": str|null, "metadata": {...}, "size", "file_count",
               "created_at", "aliases": ["best", "latest"],
               "logged_by": {"id", "name", "state", "step"} | null,  # first run that logged it
               "used_count": number of runs that used it}
    File = {"path", "digest", "size", "ref": URI|null}   # ref: recorded, never fetched
    RunUse = {"id", "name", "state", "project", "step", "at"}
             (+ "asked": the version/alias asked for, "via": run id a fork inherited it from)

``GET runs/<id>/artifacts[?store=]`` — a run's Artifacts section::

    {"store", "run", "outputs": [Version + {"step", "at"}],
     "inputs": [Version + {"step", "at", "asked", "via"}]}

``GET artifacts[?store=&project=&type=&name=]`` — artifact names::

    {"artifacts": [{"store", "project", "name", "type", "versions": count,
                    "latest": "v7"|null, "size": total bytes of all versions,
                    "aliases": {"best": "v3", "latest": "v7"}, "created_at", "updated_at"}]}

``GET artifacts/versions?project=&name=[&store=&offset=0&limit=100]`` (limit up to 1000) —
the versions of one name, newest first::

    {"store", "project", "name", "type", "total", "offset", "limit",
     "aliases": {alias: "vN"}, "versions": [Version]}

``GET artifacts/version?project=&name=&version=[&store=&files_offset=0&files_limit=1000]`` —
one version with its files (by path) and lineage::

    Version + {"store", "files": [File], "files_offset", "files_limit", "files_total",
               "logged": [RunUse], "used": [RunUse]}

``GET artifacts/lineage?project=&name=[&version=&hops=1&store=]`` — the graph run -> version
-> run around every version of the name (or one), ``hops`` (1 to 4) steps out::

    {"store", "project", "name", "hops", "truncated": bool,
     "nodes": [{"id": "artifact:<project>/<name>:v3", "kind": "artifact", "project", "name",
                "type", "version", "aliases", "digest", "size", "file_count", "created_at"}
               | {"id": "run:<run id>", "kind": "run", "run_id", "name", "state", "project"}],
     "edges": [{"source": run node, "target": artifact node, "kind": "logged", "step"}
               | {"source": artifact node, "target": run node, "kind": "used", "step",
                  "asked", "via"}]}

``GET artifacts/diff?project=&name=&a=&b=[&store=]`` — from version a to version b::

    {"store", "project", "name",
     "a": {"version", "digest", "aliases", "size", "file_count", "created_at", "logged_by"},
     "b": {...},
     "files": {"added": [File], "removed": [File],
               "changed": [{"path", "a": File, "b": File}],
               "counts": {"added", "removed", "changed", "unchanged"}},   # lists cut at 1000
     "metadata": {"added": {k: v}, "removed": {k: v}, "changed": {k: [a, b]}},
     "description": null | [a, b]}

``GET artifacts/file?project=&name=&version=&path=[&store=]`` — a file's content, served with
the run-file rules (sandboxed, never sniffed, inline only for known media types, ``Range``);
409 for a reference, whose content nbrun does not hold.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any

import tornado.web

from .artifacts import ArtifactService
from .filehandler import RunFileHandler
from .handlers import ID, NbrunHandler
from .service import Service


class RunArtifactsHandler(NbrunHandler):
    @tornado.web.authenticated
    async def get(self, run_id: str) -> None:
        await self.respond(self.service.run_artifacts, run_id, self.query())


def _reader(method: str) -> type:
    class Reader(NbrunHandler):
        @tornado.web.authenticated
        async def get(self) -> None:
            await self.respond(getattr(self.service, method), self.query())

    Reader.__name__ = Reader.__qualname__ = f"Artifact{method.title().replace('_', '')}Handler"
    return Reader


class ArtifactFileHandler(RunFileHandler):
    @tornado.web.authenticated
    async def get(self) -> None:
        query = self.request.query_arguments
        await self.serve_opened(lambda: self.service.file(query), include_body=True)

    @tornado.web.authenticated
    async def head(self) -> None:
        query = self.request.query_arguments
        await self.serve_opened(lambda: self.service.file(query), include_body=False)


def routes(service: Service, executor: Executor) -> list[tuple[str, type, dict[str, Any]]]:
    """The artifact paths; they go before the run routes (whose ``runs/...`` catch-all would
    take ``runs/<id>/artifacts``)."""
    kwargs = {"service": ArtifactService(service), "executor": executor}
    return [
        (f"runs/{ID}/artifacts", RunArtifactsHandler, kwargs),
        ("artifacts", _reader("list_names"), kwargs),
        ("artifacts/versions", _reader("versions"), kwargs),
        ("artifacts/version", _reader("version"), kwargs),
        ("artifacts/lineage", _reader("graph"), kwargs),
        ("artifacts/diff", _reader("diff"), kwargs),
        ("artifacts/file", ArtifactFileHandler, kwargs),
    ]
