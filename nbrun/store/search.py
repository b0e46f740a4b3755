"""Listing runs: counts, pages in a given order, group counts, the fields of the runs on a page,
and the config and summary keys a store holds. Everything filters, sorts and pages in SQL, so a
page of a 10,000-run store costs a few milliseconds."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any, Sequence

from .database import Store
from .fields import Field
from .filters import RunFilter, prepare
from .records import SUMMARY_COLUMNS, RunRow, summary_of
from .sorting import Sort

KEYS_MAX = 2000


def count_runs(store: Store, f: RunFilter) -> int:
    where, args = f.where()
    return prepare(store.conn).execute(f"SELECT COUNT(*) FROM runs{where}", args).fetchone()[0]


def ambiguous_names(store: Store, f: RunFilter) -> list[str]:
    """The bare names of ``f``'s ``where`` filter that are a config key of some run in its
    scope and a summary key of some (other) run: ``lr`` of a sweep whose runs also log a
    learning-rate schedule reads the config in one run and the last logged value in another,
    so such a name must say which it means (``config.lr`` or ``summary.lr``)."""
    if f.expression is None:
        return []
    names = [c.field.name for c in f.expression.clauses if c.field.source == "either"]
    where, args = dataclasses.replace(f, expression=None).where()
    joiner = " AND " if where else " WHERE "
    found = []
    for name in dict.fromkeys(names):
        present = []
        for source in ("config", "summary"):
            type_sql, type_args = Field(source, name).type_sql()
            sql = (f"SELECT EXISTS (SELECT 1 FROM runs{where}{joiner}{type_sql} IS NOT NULL "
                   f"AND {type_sql} != 'null')")
            present.append(prepare(store.conn).execute(
                sql, [*args, *type_args, *type_args]).fetchone()[0])
        if all(present):
            found.append(name)
    return found


def page_keys(store: Store, f: RunFilter, sort: Sort, offset: int, limit: int
              ) -> list[tuple[Any, ...]]:
    """``(sort values..., rid)`` of the runs at ``offset`` .. ``offset + limit`` in order."""
    where, args = f.where()
    select, select_args = sort.select()
    sql = (f"SELECT {select}, rid FROM runs{where} ORDER BY {sort.order_by()} "
           "LIMIT ? OFFSET ?")
    return [tuple(r) for r in prepare(store.conn).execute(
        sql, [*select_args, *args, limit, offset])]


def group_counts(store: Store, f: RunFilter, group: Sort) -> list[tuple[Any, ...]]:
    """``(group values..., count)`` of every group of the runs ``f`` holds (unordered)."""
    where, args = f.where()
    select, select_args = group.select()
    names = ", ".join(f"k{i}" for i in range(len(group.values)))
    sql = (f"SELECT {names}, COUNT(*) FROM (SELECT {select} FROM runs{where}) "
           f"GROUP BY {names}")
    return [tuple(r) for r in prepare(store.conn).execute(sql, [*select_args, *args])]


def rows(store: Store, f: RunFilter) -> list[RunRow]:
    """Every run ``f`` holds, oldest first, whole."""
    store.reap()
    where, args = f.where()
    return [RunRow.from_sql(r) for r in prepare(store.conn).execute(
        f"SELECT * FROM runs{where} ORDER BY created_at, rid", args)]


def summaries(store: Store, rids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Run summaries by rid."""
    if not rids:
        return {}
    marks = ", ".join("?" for _ in rids)
    found = store.conn.execute(f"SELECT {SUMMARY_COLUMNS} FROM runs WHERE rid IN ({marks})",
                               list(rids))
    return {r["rid"]: summary_of(r) for r in found}


def configs(store: Store, run_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The whole config of each run, by id."""
    marks = ", ".join("?" for _ in run_ids)
    return {run_id: json.loads(config) for run_id, config in store.conn.execute(
        f"SELECT id, config FROM runs WHERE id IN ({marks})", list(run_ids))}


def config_values(store: Store, rids: Sequence[int], paths: Sequence[Field]
                  ) -> dict[int, dict[str, Any]]:
    """``{rid: {path: value}}`` of the config paths asked for; a path a run lacks is absent."""
    if not rids or not paths:
        return {rid: {} for rid in rids}
    cols, args = [], []
    for path in paths:
        for sql, part_args in (path.type_sql(), path.value_sql()):
            cols.append(sql)
            args += part_args
    marks = ", ".join("?" for _ in rids)
    out: dict[int, dict[str, Any]] = {}
    for row in prepare(store.conn).execute(
            f"SELECT rid, {', '.join(cols)} FROM runs WHERE rid IN ({marks})",
            [*args, *rids]):
        values = out[row[0]] = {}
        for i, path in enumerate(paths):
            kind, value = row[1 + 2 * i], row[2 + 2 * i]
            if kind is not None:
                values[path.name] = _typed(kind, value)
    return out


def _typed(kind: str, value: Any) -> Any:
    if kind in ("true", "false"):
        return kind == "true"
    if kind in ("array", "object"):
        return json.loads(value)
    return None if kind == "null" else value


# -- keys --------------------------------------------------------------------------------------
_PART = re.compile(r'\.(?:"((?:[^"\\]|\\.)*)"|([^.\["]+))')
_UNNAMEABLE = re.compile(r'["\\\x00-\x1f\x7f]')


def keys(store: Store, project: str | None = None, limit: int = KEYS_MAX
         ) -> dict[str, Any]:
    """Every dot-joined config leaf path (an array is a leaf) and every summary key of the
    visible runs (of ``project``), sorted, at most ``limit`` of each."""
    cond, args = "hidden=0", []
    if project is not None:
        cond += " AND project=?"
        args.append(project)
    conn = store.conn
    config: set[str] = set()
    for (fullkey,) in conn.execute(
            "SELECT DISTINCT j.fullkey FROM runs, json_tree(CASE WHEN json_valid(runs.config) "
            f"THEN runs.config ELSE '{{}}' END) AS j WHERE {cond} AND j.type != 'object' "
            "AND j.fullkey NOT LIKE '%]%'", args):
        path = _dotted(fullkey)
        if path is not None:
            config.add(path)
    summary = {k for (k,) in conn.execute(
        "SELECT DISTINCT j.key FROM runs, json_each(CASE WHEN json_valid(runs.summary) "
        f"THEN runs.summary ELSE '{{}}' END) AS j WHERE {cond}", args)}
    # Documents SQLite cannot read (NaN, Infinity) are walked here; they are few.
    for doc_config, doc_summary in conn.execute(
            f"SELECT config, summary FROM runs WHERE {cond} AND "
            "NOT (json_valid(config) AND json_valid(summary))", args):
        _leaves(json.loads(doc_config), "", config)
        summary.update(json.loads(doc_summary))
    summary = {k for k in summary if not _UNNAMEABLE.search(k)}
    out: dict[str, Any] = {"config": sorted(config)[:limit], "summary": sorted(summary)[:limit]}
    if len(config) > limit or len(summary) > limit:
        out["truncated"] = True
    return out


def _dotted(fullkey: str) -> str | None:
    """``$.a."b c"`` as ``a.b c``; None for a key that cannot be named by a dotted path."""
    parts, pos = [], 1
    while pos < len(fullkey):
        m = _PART.match(fullkey, pos)
        if m is None:
            return None
        part = m.group(2) if m.group(2) is not None else m.group(1)
        if not part or _UNNAMEABLE.search(part):
            return None
        parts.append(part)
        pos = m.end()
    # A key holding a dot is found by its dotted name at the top level only (see Field).
    if not parts or (len(parts) > 1 and any("." in p for p in parts)):
        return None
    return ".".join(parts)


def _leaves(value: Any, prefix: str, out: set[str]) -> None:
    if not isinstance(value, dict):
        return
    for key, inner in value.items():
        if not key or ("." in key and (prefix or isinstance(inner, dict))) \
                or _UNNAMEABLE.search(key):
            continue
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(inner, dict):
            _leaves(inner, path, out)
        else:
            out.add(path)


# -- facts of a store --------------------------------------------------------------------------
def all_projects(store: Store) -> list[str]:
    """Every project name, hidden runs' too (read from the project index alone)."""
    return [r[0] for r in store.conn.execute("SELECT DISTINCT project FROM runs ORDER BY 1")]


def all_tags(store: Store, include_hidden: bool = False) -> list[str]:
    """Every tag, sorted. Reads the tags of every run: callers cache it (see change_token)."""
    cond = "" if include_hidden else " WHERE hidden=0"
    return sorted(r[0] for r in store.conn.execute(
        f"SELECT DISTINCT j.value FROM runs, json_each(runs.tags) AS j{cond}"))


def change_token(store: Store) -> tuple[int, int]:
    """Changes when a run is added, replaced or deleted (cheap: an index count and the
    largest rowid)."""
    row = store.conn.execute("SELECT COUNT(*), COALESCE(MAX(rid), 0) FROM runs").fetchone()
    return row[0], row[1]


def content_token(store: Store) -> tuple[Any, ...]:
    """Changes when a run is added, replaced, deleted, hidden or shown, or written (its
    updated_at): what a cache of the store's keys is checked against (an index read and a
    count)."""
    return tuple(store.conn.execute(
        "SELECT COUNT(*), COALESCE(MAX(rid), 0), MAX(updated_at), "
        "(SELECT COUNT(*) FROM runs WHERE hidden=1) FROM runs").fetchone())


def count_visible(store: Store) -> int:
    return store.conn.execute("SELECT COUNT(*) FROM runs WHERE hidden=0").fetchone()[0]


def find_rid(store: Store, run_id: str) -> int | None:
    row = store.conn.execute("SELECT rid FROM runs WHERE id=?", (run_id,)).fetchone()
    return None if row is None else row[0]
