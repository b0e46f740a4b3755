"""The ``where`` filter of a listing: ``lr < 0.01 and optimizer == "adam"``, parsed into
clauses and compiled to SQL in which every key path and value is a bound parameter.

Grammar: clause (``and`` clause)*; clause = key op value; op one of ``< <= > >= == = !=``;
value = number | "quoted" or 'quoted' text | true | false | null | a bare word (text); key =
``config.<path>``, ``summary.<key>`` or a bare name (the summary value when the run has that
summary key, else the config value).

A comparison holds only on a value of the compared kind (``lr < 0.01`` never matches a run whose
lr is text, nor one without lr); ``!=`` holds on any value that is not the one given, and
``== null`` on a run lacking the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from . import fields
from .fields import Field, Sql

EXPRESSION_MAX_CHARS = 2048
CLAUSES_MAX = 32
OPERATORS = ("<", "<=", ">", ">=", "==", "!=")
_OPS_HELP = "use one of < <= > >= == !="
_VALUE_HELP = 'use a number, "quoted text", true, false, null or a word'
_EXAMPLE = 'e.g. lr < 0.01 and optimizer == "adam"'

_SPACE = re.compile(r"\s*")
_KEY = re.compile(r"[^\s<>=!\"']+")
_OP = re.compile(r"<=|>=|==|!=|=|<|>")
_NUMBER = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?(?=\s|$)")
_WORD = re.compile(r"[^\s\"']+")
_KEYWORDS = {"true": True, "false": False, "null": None}
_NULL = object()  # the value null (None is a Python value too, kept apart for clarity)


@dataclass(frozen=True)
class Clause:
    field: Field
    op: str  # one of OPERATORS ("=" is read as "==")
    value: Any  # int, float, str, bool or _NULL

    def sql(self, py: bool) -> Sql:
        """The condition, read through SQLite's JSON functions or (``py``) the Python ones."""
        type_sql, type_args = self.field.raw_type(py)
        value_sql, value_args = self.field.raw_value(py)
        present = f"({type_sql} IS NOT NULL AND {type_sql} != 'null')"
        if self.value is _NULL:
            if self.op == "==":
                return f"NOT {present}", type_args * 2
            return present, type_args * 2
        if isinstance(self.value, bool):
            match = f"{type_sql} = '{'true' if self.value else 'false'}'"
            margs: tuple[Any, ...] = type_args
        else:
            kinds = "('text')" if isinstance(self.value, str) else "('integer', 'real')"
            op = "=" if self.op in ("==", "!=") else self.op
            match = f"({type_sql} IN {kinds} AND {value_sql} {op} ?)"
            margs = (*type_args, *value_args, self.value)
        if self.op == "!=":
            return f"({present} AND NOT {match})", (*type_args * 2, *margs)
        return match, margs


@dataclass(frozen=True)
class Expression:
    text: str
    clauses: tuple[Clause, ...]

    def sql(self) -> Sql:
        def build(py: bool) -> Sql:
            parts = [c.sql(py) for c in self.clauses]
            return " AND ".join(p[0] for p in parts), tuple(a for p in parts for a in p[1])

        # One validity check of each document for the whole expression.
        return fields.guarded([c.field for c in self.clauses], build)


def _fail(message: str) -> UsageError:
    return UsageError(f"where: {message}")


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def parse(text: str) -> Expression:
    """The expression ``text``; ``UsageError`` naming what is wrong and what is accepted."""
    if len(text) > EXPRESSION_MAX_CHARS:
        raise _fail(f"the expression is {len(text)} characters long; at most "
                    f"{EXPRESSION_MAX_CHARS}")
    pos = _SPACE.match(text).end()
    if pos == len(text):
        raise _fail(f"the expression is empty; write key op value, {_EXAMPLE}")
    clauses: list[Clause] = []
    while True:
        clause, pos = _clause(text, pos)
        clauses.append(clause)
        pos = _SPACE.match(text, pos).end()
        if pos == len(text):
            break
        word = _WORD.match(text, pos)
        found = word.group() if word else text[pos]
        if word is None or word.group().lower() != "and":
            raise _fail(f"expected 'and' after {_shown(text[:pos].strip())}, found "
                        f"{_shown(found)}; clauses are joined with and (or is not supported)")
        pos = _SPACE.match(text, word.end()).end()
        if pos == len(text):
            raise _fail(f"expected a clause after the last 'and'; {_EXAMPLE}")
        if len(clauses) == CLAUSES_MAX:
            raise _fail(f"more than {CLAUSES_MAX} clauses; at most {CLAUSES_MAX}")
    return Expression(text, tuple(clauses))


def _clause(text: str, pos: int) -> tuple[Clause, int]:
    key = _KEY.match(text, pos)
    if key is None:
        raise _fail(f"expected a key at {_shown(text[pos:])}; a key is config.<path>, "
                    f"summary.<key> or a name, {_EXAMPLE}")
    field = fields.parse(key.group(), "where", bare="either")
    pos = _SPACE.match(text, key.end()).end()
    op = _OP.match(text, pos)
    if op is None:
        found = f", found {_shown(text[pos:])}" if pos < len(text) else ""
        raise _fail(f"expected an operator after {_shown(key.group())}{found}; {_OPS_HELP}")
    operator = "==" if op.group() == "=" else op.group()
    pos = _SPACE.match(text, op.end()).end()
    before = _shown(f"{key.group()} {op.group()}")
    if pos == len(text):
        raise _fail(f"expected a value after {before}; {_VALUE_HELP}")
    value, pos = _value(text, pos, before)
    if (value is _NULL or isinstance(value, bool)) and operator not in ("==", "!="):
        name = "null" if value is _NULL else str(value).lower()
        raise _fail(f"{name} can only be compared with == or !=, not {operator}")
    return Clause(field, operator, value), pos


def _value(text: str, pos: int, before: str) -> tuple[Any, int]:
    quote = text[pos]
    if quote in "\"'":
        out, i = [], pos + 1
        while i < len(text) and text[i] != quote:
            if text[i] == "\\" and i + 1 < len(text):
                i += 1
            out.append(text[i])
            i += 1
        if i >= len(text):
            raise _fail(f"the quoted text after {before} has no closing {quote}")
        return "".join(out), i + 1
    number = _NUMBER.match(text, pos)
    if number is not None:
        word = number.group()
        exact = not any(c in word for c in ".eE") and abs(int(word)) < 2**63  # SQLite's range
        return (int(word) if exact else float(word)), number.end()
    word = _WORD.match(text, pos)
    if word is None or _OP.match(word.group()):
        raise _fail(f"expected a value after {before}, found {_shown(text[pos:])}; "
                    f"{_VALUE_HELP}")
    lowered = word.group().lower()
    if lowered in _KEYWORDS:
        keyword = _KEYWORDS[lowered]
        return (_NULL if keyword is None else keyword), word.end()
    return word.group(), word.end()
