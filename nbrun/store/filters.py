"""Which runs a listing holds (``RunFilter``), as one SQL condition with bound parameters; the
server's listing and ``nbrun.Api.runs`` both read runs through it."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from . import fields
from .expression import Expression



@dataclass(frozen=True)
class RunFilter:
    """Which runs a listing holds; every condition must match."""

    project: str | None = None
    state: str | None = None
    tags: tuple[str, ...] = ()
    q: str | None = None
    include_hidden: bool = False
    unsynced: bool = False  # online (or once synced) runs not fully on their server
    expression: Expression | None = None  # the ``where`` filter

    def where(self) -> tuple[str, list[Any]]:
        parts: list[str] = []
        args: list[Any] = []
        if not self.include_hidden:
            parts.append("hidden=0")
        if self.unsynced:
            parts.append(_UNSYNCED)
        if self.project is not None:
            parts.append("project=?")
            args.append(self.project)
        if self.state is not None:
            parts.append("state=?")
            args.append(self.state)
        for tag in self.tags:
            # The JSON text holding the quoted tag is a C-level test that rules most rows out
            # before json_each, which alone is exact (either escaping of non-ASCII is looked for).
            parts.append("((instr(tags, ?) OR instr(tags, ?)) AND "
                         "EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE value=?))")
            args += [json.dumps(tag), json.dumps(tag, ensure_ascii=False), tag]
        if self.q:
            sql, q_args = _text_match(self.q)
            parts.append(sql)
            args.extend(q_args)
        if self.expression is not None:
            sql, e_args = self.expression.sql()
            parts.append(f"({sql})")
            args.extend(e_args)
        return (" WHERE " + " AND ".join(parts) if parts else ""), args


# A run is unsynced when it is online (or was synced once) and its server run is missing, a
# history chunk is past the sync cursor, or the state last sent is not its state.
_UNSYNCED = """(
    (mode='online' OR EXISTS (SELECT 1 FROM sync y WHERE y.rid=runs.rid)) AND NOT EXISTS (
        SELECT 1 FROM sync y WHERE y.rid=runs.rid AND y.server_run_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM series s WHERE s.rid=runs.rid AND s.rowid>y.cursor
                        AND s.rewound=0)
        AND json_extract(y.sent, '$.state[0]') = CASE runs.state
            WHEN 'running' THEN 'RUNNING' WHEN 'finished' THEN 'FINISHED'
            WHEN 'failed' THEN 'FAILED' ELSE 'KILLED' END))"""

_SEARCHED = ("name", "id", "notes", "run_group")
_JSON_PLAIN = frozenset(chr(c) for c in range(32, 127)) - {'"', "\\"}
_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _text_match(q: str) -> tuple[str, list[Any]]:
    """Case-insensitive substring of name, id, notes, group, a tag, or a config key or value.

    SQLite's LIKE folds ASCII letters only; that is exact (and runs in C) for an ASCII query.
    Other queries go through Python's casefold, registered as a function: slower, so a C-level
    test first keeps only rows holding some non-ASCII text (a casefolded non-ASCII needle can
    only be found in such text). Tags are matched one by one through json_each, and config
    keys and values by a Python walk, since the JSON text escapes some characters; a LIKE on
    that raw text runs first where it cannot miss (queries of printable ASCII without quote or
    backslash: such text is written as it is, and numbers are written as Python writes them).
    """
    needle = q.casefold()
    if q.isascii() or needle.isascii():
        text = q if q.isascii() else needle
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        like = "{} LIKE ? ESCAPE '\\'"
        cols = [like.format(c) for c in _SEARCHED]
        tag = f"EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE {like.format('value')})"
        config = "nbrun_config_has(?, config, 0)"
        lowered = text.translate(_ASCII_FOLD)
        if set(text) <= _JSON_PLAIN:
            tag = f"({like.format('tags')} AND {tag})"
            config = f"({like.format('config')} AND {config})"
            return ("(" + " OR ".join(cols + [tag, config]) + ")",
                    [pattern] * (len(cols) + 3) + [lowered])
        return ("(" + " OR ".join(cols + [tag, config]) + ")",
                [pattern] * (len(cols) + 1) + [lowered])
    # More bytes than characters: non-ASCII text (which the JSON columns write as \uXXXX).
    wide = " OR ".join([f"length(CAST({c} AS BLOB)) != length({c})" for c in _SEARCHED]
                       + ["instr(tags, '\\u')"])
    return (f"((({wide}) AND nbrun_has(?, name, id, notes, run_group, tags)) OR "
            "(instr(config, '\\u') AND nbrun_config_has(?, config, 1)))", [needle, needle])


def _has(needle: str, *texts: str | None) -> bool:
    """Whether casefolded ``needle`` is in one of the texts (the last: tags as JSON)."""
    *plain, tags = texts
    if any(t is not None and needle in t.casefold() for t in plain):
        return True
    return tags is not None and any(needle in t.casefold() for t in json.loads(tags))


def _config_has(needle: str, config: str | None, casefold: int) -> bool:
    """Whether ``needle`` (folded as ``casefold`` says) is in a key or value of a config."""
    if config is None:
        return False
    fold = str.casefold if casefold else (lambda t: t.translate(_ASCII_FOLD))
    stack = [json.loads(config)]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if any(needle in fold(k) for k in value):
                return True
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str):
            if needle in fold(value):
                return True
        elif value is not None and needle in json.dumps(value):  # numbers as written
            return True
    return False


def prepare(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Register the functions the SQL of filters and fields calls; returns ``conn``."""
    conn.create_function("nbrun_has", 6, _has, deterministic=True)
    conn.create_function("nbrun_config_has", 3, _config_has, deterministic=True)
    fields.prepare(conn)
    return conn
