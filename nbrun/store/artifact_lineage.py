"""Lineage of artifact versions: the runs that logged and used them (a graph run -> version ->
run, a given number of hops out), a run's inputs and outputs, and the difference between two
versions (files and metadata)."""

from __future__ import annotations

import sqlite3
from typing import Any, Iterable, Sequence

from . import artifact_reads as reads

GRAPH_MAX_NODES = 5000
DIFF_MAX_LISTED = 1000
_BATCH = 500


def _in_batches(conn: sqlite3.Connection, sql: str, keys: Sequence[int]) -> Iterable[tuple]:
    """``sql`` (with one ``{marks}`` for an IN list) run over ``keys`` a batch at a time."""
    for start in range(0, len(keys), _BATCH):
        part = tuple(keys[start:start + _BATCH])
        yield from conn.execute(sql.format(marks=", ".join("?" for _ in part)), part)


def version_node(v: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"artifact:{v['project']}/{v['name']}:{v['version']}", "kind": "artifact",
            "project": v["project"], "name": v["name"], "type": v["type"],
            "version": v["version"], "aliases": v["aliases"], "digest": v["digest"],
            "size": v["size"], "file_count": v["file_count"], "created_at": v["created_at"]}


def graph(conn: sqlite3.Connection, vids: Sequence[int], hops: int = 1,
          max_nodes: int = GRAPH_MAX_NODES) -> dict[str, Any]:
    """Nodes (versions and runs) and edges (``logged``: run -> version; ``used``: version ->
    run) reached from ``vids`` in ``hops`` steps; ``truncated`` when cut at ``max_nodes``."""
    seen_v: set[int] = set(vids)
    seen_r: set[int] = set()
    edges: list[tuple[str, int, int, Any, Any, Any]] = []  # (kind, rid, vid, step, asked, via)
    frontier_v, frontier_r = list(vids), []
    truncated = False
    for _ in range(hops):
        if frontier_v:
            new_r = []
            for rid, vid, step in _in_batches(
                    conn, "SELECT rid, vid, step FROM artifact_logged WHERE vid IN ({marks})",
                    frontier_v):
                edges.append(("logged", rid, vid, step, None, None))
                new_r.append(rid)
            for rid, vid, step, asked, via in _in_batches(
                    conn, "SELECT rid, vid, step, asked, via FROM artifact_used "
                          "WHERE vid IN ({marks})", frontier_v):
                edges.append(("used", rid, vid, step, asked, via))
                new_r.append(rid)
            frontier_r = [r for r in dict.fromkeys(new_r) if r not in seen_r]
            seen_r.update(frontier_r)
            frontier_v = []
        elif frontier_r:
            new_v = []
            for rid, vid, step in _in_batches(
                    conn, "SELECT rid, vid, step FROM artifact_logged WHERE rid IN ({marks})",
                    frontier_r):
                edges.append(("logged", rid, vid, step, None, None))
                new_v.append(vid)
            for rid, vid, step, asked, via in _in_batches(
                    conn, "SELECT rid, vid, step, asked, via FROM artifact_used "
                          "WHERE rid IN ({marks})", frontier_r):
                edges.append(("used", rid, vid, step, asked, via))
                new_v.append(vid)
            frontier_v = [v for v in dict.fromkeys(new_v) if v not in seen_v]
            seen_v.update(frontier_v)
            frontier_r = []
        if len(seen_v) + len(seen_r) > max_nodes:
            truncated = True
            break
        if not frontier_v and not frontier_r:
            break
    versions = reads.versions_by_vid(conn, sorted(seen_v))
    runs = {}
    for rid, run_id, name, state, project in _in_batches(
            conn, "SELECT rid, id, name, state, project FROM runs WHERE rid IN ({marks})",
            sorted(seen_r)):
        runs[rid] = {"id": f"run:{run_id}", "kind": "run", "run_id": run_id, "name": name,
                     "state": state, "project": project}
    nodes = [version_node(versions[v]) for v in sorted(versions)]
    nodes += [runs[r] for r in sorted(runs)]
    out_edges, seen_edges = [], set()
    for kind, rid, vid, step, asked, via in edges:
        if rid not in runs or vid not in versions or (kind, rid, vid, asked) in seen_edges:
            continue
        seen_edges.add((kind, rid, vid, asked))
        node = version_node(versions[vid])["id"]
        if kind == "logged":
            out_edges.append({"source": runs[rid]["id"], "target": node, "kind": kind,
                              "step": step})
        else:
            out_edges.append({"source": node, "target": runs[rid]["id"], "kind": kind,
                              "step": step, "asked": asked, "via": via})
    return {"nodes": nodes, "edges": out_edges, "truncated": truncated}


def run_artifacts(conn: sqlite3.Connection, rid: int) -> dict[str, list[dict[str, Any]]]:
    """A run's ``outputs`` (versions it logged) and ``inputs`` (versions it used, with the
    alias asked for and ``via`` for a use inherited from the run it was forked from)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for key, role in (("outputs", "logged"), ("inputs", "used")):
        rows = reads.vids_of_run(conn, rid, role)
        found = reads.versions_by_vid(conn, [vid for vid, _ in rows])
        out[key] = [{**found[vid], **how} for vid, how in rows if vid in found]
    return out


def diff(conn: sqlite3.Connection, vid_a: int, vid_b: int) -> dict[str, Any]:
    """What changed from version a to version b: files added, removed and changed (by digest,
    size or reference), how many are the same, and the metadata keys added, removed and
    changed. Each list holds at most DIFF_MAX_LISTED entries; the counts are exact."""
    a = {f["path"]: f for f in reads.files(conn, vid_a)}
    b = {f["path"]: f for f in reads.files(conn, vid_b)}
    added = [b[p] for p in sorted(b.keys() - a.keys())]
    removed = [a[p] for p in sorted(a.keys() - b.keys())]
    changed, same = [], 0
    for path in sorted(a.keys() & b.keys()):
        fa, fb = a[path], b[path]
        if (fa["digest"], fa["size"], fa["ref"]) == (fb["digest"], fb["size"], fb["ref"]):
            same += 1
        else:
            changed.append({"path": path, "a": fa, "b": fb})
    va, vb = reads.version(conn, vid_a), reads.version(conn, vid_b)
    assert va is not None and vb is not None
    ma, mb = va["metadata"], vb["metadata"]
    metadata = {"added": {k: mb[k] for k in sorted(mb.keys() - ma.keys())},
                "removed": {k: ma[k] for k in sorted(ma.keys() - mb.keys())},
                "changed": {k: [ma[k], mb[k]] for k in sorted(ma.keys() & mb.keys())
                            if ma[k] != mb[k]}}
    counts = {"added": len(added), "removed": len(removed), "changed": len(changed),
              "unchanged": same}
    return {"a": _brief(va), "b": _brief(vb),
            "files": {"added": added[:DIFF_MAX_LISTED], "removed": removed[:DIFF_MAX_LISTED],
                      "changed": changed[:DIFF_MAX_LISTED], "counts": counts},
            "metadata": metadata,
            "description": None if va["description"] == vb["description"]
            else [va["description"], vb["description"]]}


def _brief(v: dict[str, Any]) -> dict[str, Any]:
    return {k: v[k] for k in ("version", "digest", "aliases", "size", "file_count",
                              "created_at", "logged_by")}
