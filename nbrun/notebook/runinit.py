"""``%%runinit``: the magic line and the YAML body turned into ``init()`` keyword arguments.

Errors point at the cell line (line 1 is the magic line, the body starts at line 2) and name the
argument; nothing is started when anything is wrong.
"""

from __future__ import annotations

import keyword
import secrets
import shlex
from dataclasses import dataclass, field
from typing import Any, Mapping

from .. import yamlsafe
from ..argument_table import BY_NAME
from ..errors import UsageError
from ..sdk.runinit_body import RunInitError, check_name, parse_body, put_values
from ..settings import text_value

__all__ = ["RunInitCell", "RunInitError", "locate", "parse", "parse_body", "parse_line"]

SWITCHES = {"form"}  # flags without a value, handled by the magic itself


@dataclass
class RunInitCell:
    """What a ``%%runinit`` cell asks for."""

    name: str = "run"
    kwargs: dict[str, Any] = field(default_factory=dict)
    switches: set[str] = field(default_factory=set)
    lines: dict[str, int] = field(default_factory=dict)  # argument -> cell line


def flag_value(key: str, text: str) -> Any:
    """A magic-line value typed by its argument's kind: YAML for a mapping (or a list written
    ``[a, b]``), else the text as the environment variable of that kind would be read."""
    row = BY_NAME[key]
    if row.kind == "mapping" or (row.kind in ("tags", "keys") and text.startswith("[")):
        import yaml

        try:
            return yamlsafe.safe_load(text)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise UsageError(f"--{key}: not valid YAML ({problem})", argument=key) from None
    return text_value(row, text, f"--{key}")


def parse_line(line: str) -> RunInitCell:
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise RunInitError(f"cannot read the magic line ({exc})", 1) from None
    cell = RunInitCell()
    names: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--"):
            key, eq, value = token[2:].partition("=")
            key = key.replace("-", "_")
            if key in SWITCHES:
                cell.switches.add(key)
                i += 1
                continue
            check_name(key, 1)
            if not eq:
                if i + 1 >= len(tokens):
                    raise RunInitError(f"--{key} needs a value", 1, key)
                i += 1
                value = tokens[i]
            try:
                cell.kwargs[key] = flag_value(key, value)
            except UsageError as exc:
                raise RunInitError(str(exc), 1, key) from None
            except Exception as exc:  # a YAML error in a flag value
                raise RunInitError(f"--{key} {value!r} is not a valid value ({exc})", 1,
                                   key) from None
            cell.lines[key] = 1
        else:
            names.append(token)
        i += 1
    if len(names) > 1:
        raise RunInitError(f"one variable name is accepted, got {' '.join(names)}; flags are "
                           "written --argument value", 1)
    if names:
        if not names[0].isidentifier() or keyword.iskeyword(names[0]):
            raise RunInitError(f"{names[0]!r} is not a Python variable name", 1)
        cell.name = names[0]
    return cell


def _expand_line(line: str, number: int, namespace: Mapping[str, Any],
                 values: dict[str, Any]) -> str:
    """Cell line ``number`` with each ``$var`` / ``{expr}`` (IPython's syntax) replaced by a
    placeholder word standing for the value; the values are put in after YAML has read the
    body, so a value is never read as YAML. A line whose braces do not pair or hold no Python
    expression (a YAML flow mapping such as ``{lr: 0.1}``) stays as written, as IPython's own
    expansion leaves it; a reference that has no value is an error, never text to store."""
    from IPython.utils.text import DollarFormatter

    formatter = DollarFormatter()
    try:
        parts = list(formatter.parse(line))
    except ValueError:
        return line
    out, found = [], {}
    for literal, field_name, spec, conversion in parts:
        out.append(literal)
        if field_name is None:
            continue
        expression = f"{field_name}:{spec}" if spec else field_name
        try:
            compile(expression, "<runinit>", "eval")
        except SyntaxError:
            return line
        dollar = not spec and conversion is None and f"${field_name}" in line
        try:
            value = evaluate_reference(expression, dict(namespace), dollar)
        except RunInitError as exc:
            raise RunInitError(exc.bare, number) from None
        if conversion:
            value = formatter.convert_field(value, conversion)
        word = f"nbrun{secrets.token_hex(8)}v{len(values) + len(found)}"
        found[word] = value
        out.append(word)
    values.update(found)
    return "".join(out)


def evaluate_reference(expression: str, namespace: dict[str, Any], dollar: bool) -> Any:
    """The value of one ``$name`` or ``{expr}``; an undefined name or a raising expression is
    a ``RunInitError``, never text left in the body to be stored as the value."""
    shown = f"${expression}" if dollar else f"{{{expression}}}"
    try:
        return eval(expression, namespace)  # the notebook's own code, as IPython does
    except NameError as exc:
        hint = " (write $$ for a literal $)" if dollar else ""
        raise RunInitError(f"{shown}: {exc}; define it in the notebook first{hint}") from None
    except Exception as exc:
        raise RunInitError(f"{shown} raised {type(exc).__name__}: {exc}") from None


def parse(line: str, body: str, namespace: Mapping[str, Any] | None = None) -> RunInitCell:
    """A cell's arguments; with ``namespace`` (the notebook's variables) each ``$var`` and
    ``{expr}`` in the body stands for exactly one value."""
    cell = parse_line(line)
    values: dict[str, Any] = {}
    if namespace is not None and ("$" in body or "{" in body):
        body = "\n".join(_expand_line(text, number, namespace, values)
                         if ("$" in text or "{" in text) else text
                         for number, text in enumerate(body.split("\n"), start=2))
    data, lines = parse_body(body, values)
    if values:
        data = put_values(data, values)
    merged = {**data, **cell.kwargs}  # flags override the body
    cell.lines = {**lines, **cell.lines}
    cell.kwargs = merged
    return cell


def locate(cell: RunInitCell, error: UsageError) -> RunInitError:
    """Point an ``init()`` refusal at the line of the argument it blames."""
    argument = error.argument if error.argument in cell.lines else None
    return RunInitError(str(error), cell.lines.get(argument) if argument else None, argument)
