"""The values a listing sorts, groups and filters on: a run's column, a config path or a summary
key, written as SQL expressions whose names and paths are bound parameters.

A value has a *type* (``json_type``'s words: integer, real, text, true, false, array, object,
null; SQL NULL when the run lacks it) and a *rank* that orders the types: numbers, then text,
then booleans, then arrays and objects, then null or lacking. Sorting on the rank first is what
puts runs lacking a value last in both directions and numbers before text.

SQLite (before 3.42) refuses JSON holding ``NaN`` or ``Infinity``, which a config or summary may
hold (they are stored as Python writes them); such a document is read by a Python function
instead, so one run's NaN never fails a listing.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ..errors import UsageError, did_you_mean

# Columns by public name: the SQL column.
COLUMNS = {
    "id": "id", "name": "name", "project": "project", "state": "state", "group": "run_group",
    "job_type": "job_type", "entity": "entity", "notes": "notes", "created_at": "created_at",
    "updated_at": "updated_at", "finished_at": "finished_at", "heartbeat_at": "heartbeat_at",
    "last_step": "last_step", "exit_code": "exit_code", "resumed_count": "resumed_count",
}
PATH_MAX_CHARS = 1024
PATH_MAX_PARTS = 32
_BAD_CHARS = re.compile(r'["\\\x00-\x1f\x7f]')
_LABEL = re.compile(r'\."([^"]*)"')

RANK_NUMBER, RANK_TEXT, RANK_BOOL, RANK_NESTED, RANK_NONE = range(5)
RANK_SQL = ("(CASE {} WHEN 'integer' THEN 0 WHEN 'real' THEN 0 WHEN 'text' THEN 1 "
            "WHEN 'true' THEN 2 WHEN 'false' THEN 2 WHEN 'array' THEN 3 WHEN 'object' THEN 3 "
            "ELSE 4 END)")

Sql = tuple[str, tuple[Any, ...]]


@dataclass(frozen=True)
class Field:
    """``source`` is "column", "config", "summary" or "either" (the summary value when the
    run has that summary key, else the config value); ``name`` as written after its prefix."""

    source: str
    name: str

    def _candidates(self) -> list[tuple[str, str]]:
        """(document column, JSON path) in the order they are looked up."""
        nested = "$" + "".join(f'."{part}"' for part in self.name.split("."))
        whole = f'$."{self.name}"'
        # A dotted config path is a nested one; a flat key written with dots is found too.
        config = [("config", nested)] + ([("config", whole)] if nested != whole else [])
        if self.source == "config":
            return config
        if self.source == "summary":
            return [("summary", whole)]
        return [("summary", whole), *config]

    def type_sql(self) -> Sql:
        """The value's type (see the module's docstring)."""
        return self.guarded(self.raw_type)

    def value_sql(self) -> Sql:
        """The value: a number, text, 1/0 for true/false, JSON text for an array or object."""
        return self.guarded(self.raw_value)

    def rank_sql(self) -> Sql:
        return self.guarded(lambda py: _ranked(self.raw_type(py)))

    def guarded(self, build: Callable[[bool], Sql]) -> Sql:
        return guarded([self], build)

    @property
    def documents(self) -> set[str]:
        """The JSON columns this value is read from."""
        return set() if self.source == "column" else {doc for doc, _ in self._candidates()}

    def raw_type(self, py: bool) -> Sql:
        if self.source == "column":
            return f"typeof({COLUMNS[self.name]})", ()
        return _coalesce([_json_call("type", doc, path, py)
                          for doc, path in self._candidates()])

    def raw_value(self, py: bool) -> Sql:
        if self.source == "column":
            return COLUMNS[self.name], ()
        found = [(_json_call("type", doc, path, py), _json_call("extract", doc, path, py))
                 for doc, path in self._candidates()]
        if len(found) == 1:
            return found[0][1]
        sql, args = "CASE", []
        for (type_sql, type_args), (value_sql, value_args) in found[:-1]:
            sql += f" WHEN {type_sql} IS NOT NULL THEN {value_sql}"
            args += [*type_args, *value_args]
        sql += f" ELSE {found[-1][1][0]} END"
        return sql, (*args, *found[-1][1][1])


def guarded(fields: Sequence[Field], build: Callable[[bool], Sql]) -> Sql:
    """``build(py)`` where the run's JSON documents that ``fields`` read are valid for SQLite
    (``py`` False: its JSON functions), else ``build(True)`` (the Python ones); the check costs
    one call per document and row, where a check per lookup would cost one per lookup."""
    docs = sorted(set().union(*(f.documents for f in fields)))
    if not docs:
        return build(False)
    fast, slow = build(False), build(True)
    valid = " AND ".join(f"json_valid({doc})" for doc in docs)
    return (f"(CASE WHEN {valid} THEN {fast[0]} ELSE {slow[0]} END)", (*fast[1], *slow[1]))


def _ranked(type_sql: Sql) -> Sql:
    return RANK_SQL.format(type_sql[0]), type_sql[1]


def as_json(rank: int, value: Any) -> Any:
    """The JSON value of a ``(rank, value)`` pair read through ``Field``'s SQL."""
    if rank == RANK_BOOL:
        return bool(value)
    if rank == RANK_NESTED:
        return json.loads(value)
    if rank == RANK_NONE:
        return None
    return value


def parse(text: str, what: str, bare: str, columns: tuple[str, ...] = tuple(COLUMNS)) -> Field:
    """``config.<path>``, ``summary.<key>`` or a bare name: a column (``bare="column"``, one of
    ``columns``) or a summary-else-config key (``bare="either"``). Raises ``UsageError``."""
    accepted = ("config.<path> or summary.<key>" if bare != "column"
                else f"one of {', '.join(columns)}, config.<path> or summary.<key>")
    if not isinstance(text, str) or not text:
        raise UsageError(f"{what}: an empty key; use {accepted}")
    for source in ("config", "summary"):
        if text.startswith(source + "."):
            return Field(source, _checked(text[len(source) + 1:], text, what, source))
    if bare == "column":
        if text in columns:
            return Field("column", text)
        raise UsageError(f"{what}: unknown column {text!r}{did_you_mean(text, columns)}; use "
                         f"{accepted}")
    return Field("either", _checked(text, text, what, "either"))


def _checked(name: str, text: str, what: str, source: str) -> str:
    shown = text if len(text) <= 80 else text[:77] + "..."
    if not name:
        raise UsageError(f"{what}: {shown!r} names no key; write {source}.<key>, e.g. "
                         f"{source}.lr")
    if len(name) > PATH_MAX_CHARS:
        raise UsageError(f"{what}: the key {shown!r} is {len(name)} characters long; at most "
                         f"{PATH_MAX_CHARS}")
    bad = _BAD_CHARS.search(name)
    if bad:
        raise UsageError(f"{what}: the key {shown!r} holds {bad.group()!r}; keys with quotes, "
                         "backslashes or control characters cannot be named here")
    parts = name.split(".")
    if len(parts) > PATH_MAX_PARTS or (source != "summary" and "" in parts):
        raise UsageError(f"{what}: {shown!r} is not a key path; join up to {PATH_MAX_PARTS} "
                         "non-empty keys with dots, e.g. config.optimizer.lr")
    return name


# -- SQL helpers -------------------------------------------------------------------------------
def _json_call(kind: str, doc: str, path: str, py: bool) -> Sql:
    return f"{'nbrun_' if py else ''}json_{kind}({doc}, ?)", (path,)


def _coalesce(parts: list[Sql]) -> Sql:
    if len(parts) == 1:
        return parts[0]
    return (f"COALESCE({', '.join(p[0] for p in parts)})",
            tuple(a for p in parts for a in p[1]))


def _lookup(doc: str | None, path: str) -> tuple[bool, Any]:
    """(found, value) of ``path`` (``$."a"."b"``, as ``Field`` writes it) in a JSON text."""
    if doc is None:
        return False, None
    try:
        value = json.loads(doc)
    except ValueError:
        return False, None
    for label in _LABEL.findall(path):
        if not isinstance(value, dict) or label not in value:
            return False, None
        value = value[label]
    return True, value


def _py_type(doc: str | None, path: str) -> str | None:
    found, value = _lookup(doc, path)
    if not found:
        return None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "null"  # NaN has no order: it reads as no value
    if isinstance(value, bool):
        return "true" if value else "false"
    return {int: "integer", float: "real", str: "text", list: "array",
            dict: "object"}.get(type(value), "null")


def _py_extract(doc: str | None, path: str) -> Any:
    found, value = _lookup(doc, path)
    if not found or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), allow_nan=True)
    return value


def prepare(conn: sqlite3.Connection) -> None:
    """Register the fallbacks the SQL of ``Field`` calls (cheap; per connection)."""
    conn.create_function("nbrun_json_type", 2, _py_type, deterministic=True)
    conn.create_function("nbrun_json_extract", 2, _py_extract, deterministic=True)
