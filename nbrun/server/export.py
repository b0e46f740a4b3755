"""CSV exports: the runs a listing matches (every page, with config and summary columns) and
one run's whole history (one row per step, one column per key, not downsampled)."""

from __future__ import annotations

import csv
import io
import json
import math
import numbers
import time
from typing import TYPE_CHECKING, Any

from ..store import history as stored_history
from ..store import search
from . import history, params

if TYPE_CHECKING:
    from .service import Service

EXPORT_MAX_RUNS = 100_000
PAGE = 1000
FIELDS = ("id", "name", "project", "state", "group", "job_type", "tags", "notes",
          "created_at", "finished_at", "last_step", "store")


# What a spreadsheet reads as the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A CSV cell. Text that a spreadsheet would run as a formula (=, +, -, @ first) gets a
    leading apostrophe; numbers are written as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Real):
        return value if not isinstance(value, float) or math.isfinite(value) else str(value)
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return guarded(value)


def guarded(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def _flat(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _flat(f"{prefix}.{key}", inner, out)
    else:
        out[prefix] = value


def _iso(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)):
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def runs_csv(service: "Service", query: params.Query) -> str:
    """Every run the listing ``query`` matches (its filters and sort; not its page)."""
    rows: list[dict[str, Any]] = []
    offset = 0
    while offset < EXPORT_MAX_RUNS:
        page_query = {**query, "offset": [str(offset).encode()], "limit": [str(PAGE).encode()]}
        listing = service.list_runs(page_query)
        runs = listing["runs"]
        configs = _configs(service, runs)
        for run in runs:
            row = {"id": run["id"], "name": run["name"], "project": run["project"],
                   "state": run["state"], "group": run["group"], "job_type": run["job_type"],
                   # Split on ";", every part is a cell of its own: each one guarded (a
                   # tag may hold ";" itself).
                   "tags": ";".join(guarded(part)
                                    for part in ";".join(run["tags"]).split(";")),
                   "notes": run["notes"],
                   "created_at": _iso(run["created_at"]),
                   "finished_at": _iso(run["finished_at"]), "last_step": run["last_step"],
                   "store": run["store"]}
            _flat("config", configs.get((run["store"], run["id"]), {}), row)
            _flat("summary", run["summary"], row)
            rows.append(row)
        offset += PAGE
        if offset >= listing["total"] or not runs:
            break
    extra = sorted({k for row in rows for k in row} - set(FIELDS),
                   key=lambda k: (not k.startswith("config."), k))
    fields = [*FIELDS, *extra]
    return _write(fields, [[row.get(f) for f in fields] for row in rows])


def _configs(service: "Service", runs: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    by_store: dict[str, list[str]] = {}
    for run in runs:
        by_store.setdefault(run["store"], []).append(run["id"])
    out = {}
    for key, ids in by_store.items():
        handle = service.registry.get(key)
        for run_id, config in search.configs(handle.store, ids).items():
            out[(key, run_id)] = config
    return out


def history_csv(service: "Service", run_id: str, query: params.Query) -> str:
    """The run's every logged number: a ``_step`` column (as in ``Api`` history rows; no key
    can be logged under that name), then one column per key."""
    handle = service.locate(run_id, params.store_key(query))
    rid = search.find_rid(handle.store, run_id)
    keys = stored_history.history_keys(handle.store, rid)
    chunks = stored_history.history_chunks(handle.store, rid, keys)
    table: dict[int, list[Any]] = {}
    for column, key in enumerate(keys, 1):
        steps, values = history.join_chunks(chunks[key])
        for step, value in zip(steps, values):
            row = table.get(step)
            if row is None:
                row = table[step] = [step] + [None] * len(keys)
            row[column] = value
    return _write(["_step", *keys], [table[s] for s in sorted(table)])


def _write(fields: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([cell(f) for f in fields])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()
