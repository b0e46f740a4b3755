"""Reading artifacts back outside a run: ``Api().artifact()``/``artifacts()``, the runs that
logged and used a version, and a stored run's inputs and outputs."""

from __future__ import annotations

from typing import Any

from .. import validation as rules
from ..errors import UsageError
from ..sdk.api import RunRecord
from ..store import Store
from ..store import artifact_reads as reads
from . import committing, names
from .artifact import Artifact


def artifact(store: Store, spec: Any, type: str | None = None) -> Artifact:
    """The version ``[[entity/]project/]name[:alias]`` names (project optional when only one
    project has that name)."""
    wanted = names.parse(spec, "artifact")
    vid = committing.find(store, wanted.project, wanted, "artifact")
    found = committing.bound(store, vid, wanted.alias, "artifact")
    if type is not None and names.check_type(type) != found.type:
        raise UsageError(f"artifact: {found.qualified_name} has type {found.type!r}, not "
                         f"{type!r}")
    return found


def artifacts(store: Store, project: str | None = None, type: str | None = None,
              name: str | None = None) -> list[Artifact]:
    """Every version of the matching names, by project, name and version."""
    if project is not None:
        rules.check_project(project)
    if type is not None:
        names.check_type(type)
    if name is not None:
        names.check_name(name)
    out = []
    for version in reads.versions_where(store.conn, project, type, name):
        found = Artifact(version["name"], version["type"])
        found.stored_as(store, version)
        out.append(found)
    return out


def _record(store: Store, run_id: str) -> RunRecord | None:
    row = store.get(run_id)
    return None if row is None else RunRecord(store, row)


def logged_by(store: Store, vid: int) -> RunRecord | None:
    for entry in reads.runs_of(store.conn, vid, "logged"):
        record = _record(store, entry["id"])
        if record is not None:
            return record
    return None


def used_by(store: Store, vid: int) -> list[RunRecord]:
    seen: dict[str, RunRecord] = {}
    for entry in reads.runs_of(store.conn, vid, "used"):
        if entry["id"] not in seen:
            record = _record(store, entry["id"])
            if record is not None:
                seen[entry["id"]] = record
    return list(seen.values())


def of_run(store: Store, rid: int, role: str) -> list[Artifact]:
    """The versions a stored run ``logged`` or ``used``, in the order it did."""
    out = []
    rows = reads.vids_of_run(store.conn, rid, role)
    found = reads.versions_by_vid(store.conn, [vid for vid, _ in rows])
    for vid, how in rows:
        if vid in found:
            item = Artifact(found[vid]["name"], found[vid]["type"])
            item.stored_as(store, found[vid], how.get("asked"))
            out.append(item)
    return out
