"""The run record, defined once: a run's row as stored (``RunRow``), how its fields are written
to columns, and which of them readers see (the sidebar's summary, ``nbrun.RunRecord``)."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

JSON_COLUMNS = ("tags", "config", "summary", "lineage", "settings", "unstored", "error",
                "metrics")


@dataclass
class RunRow:
    """One run as stored."""

    rid: int
    id: str
    name: str
    project: str
    entity: str | None
    notes: str | None
    tags: list[str]
    group: str | None
    job_type: str | None
    config: dict[str, Any]
    summary: dict[str, Any]
    state: str
    exit_code: int | None
    mode: str
    created_at: float
    updated_at: float
    finished_at: float | None
    heartbeat_at: float
    host: str
    pid: int
    pid_start: str | None
    program: str | None
    last_step: int
    starting_step: int
    resumed_count: int
    lineage: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)
    hidden: int = 0
    cell: str | None = None
    unstored: dict[str, Any] = field(default_factory=dict)
    error: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)  # define_metric() definitions

    @classmethod
    def from_sql(cls, row: sqlite3.Row) -> "RunRow":
        data = dict(row)
        for col in JSON_COLUMNS:
            data[col] = json.loads(data[col])
        data["group"] = data.pop("run_group")
        return cls(**data)


# The store's own bookkeeping, never shown to readers: the row key, the process-start token
# used to tell a reused pid apart, and the time of the last write.
_INTERNAL = frozenset({"rid", "pid_start", "updated_at"})

# The fields of ``nbrun.RunRecord``, in the record's order.
RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(RunRow)
                                       if f.name not in _INTERNAL)

# The fields of a listed run: no config or settings (they may be large; shown per run only).
SUMMARY_FIELDS = ("id", "name", "project", "entity", "state", "exit_code", "tags", "notes",
                  "group", "job_type", "created_at", "updated_at", "finished_at",
                  "heartbeat_at", "last_step", "summary", "lineage", "resumed_count", "hidden")
SUMMARY_COLUMNS = "rid, " + ", ".join("run_group" if f == "group" else f
                                      for f in SUMMARY_FIELDS)


def summary_of(row: sqlite3.Row | RunRow) -> dict[str, Any]:
    """The public fields of a run (no rid, no config)."""
    if isinstance(row, RunRow):
        out = {name: getattr(row, name) for name in SUMMARY_FIELDS}
    else:
        out = {name: row["run_group" if name == "group" else name] for name in SUMMARY_FIELDS}
        for name in ("tags", "summary", "lineage"):
            out[name] = json.loads(out[name])
    out["hidden"] = bool(out["hidden"])
    return out


def dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=True, separators=(",", ":"))


def encode_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Run fields as columns: JSON columns serialised (unless already text), group renamed."""
    out = {k: dumps(v) if k in JSON_COLUMNS and not isinstance(v, str) else v
           for k, v in fields.items()}
    if "group" in out:
        out["run_group"] = out.pop("group")
    return out
