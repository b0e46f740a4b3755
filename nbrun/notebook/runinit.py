"""``%%runinit``: the magic line and the YAML body turned into ``init()`` keyword arguments.

Errors point at the cell line (line 1 is the magic line, the body starts at line 2) and name the
argument; nothing is started when anything is wrong.
"""

from __future__ import annotations

import inspect
import keyword
import re
import secrets
import shlex
from dataclasses import dataclass, field
from typing import Any, Mapping

from .. import yamlsafe
from ..errors import UsageError, did_you_mean
from ..sdk import init
from ..validation import parse_bool_text, split_tags_text
from .yamlcheck import indentation_problems

INIT_ARGUMENTS = tuple(inspect.signature(init).parameters)
_TEXT_ARGS = {"entity", "project", "dir", "id", "name", "notes", "group", "job_type", "mode",
              "anonymous", "resume_from", "fork_from"}
_BOOL_ARGS = {"allow_val_change", "force", "save_code", "tensorboard", "sync_tensorboard",
              "monitor_gym"}
_LIST_ARGS = {"tags", "config_include_keys", "config_exclude_keys"}
SWITCHES = {"form"}  # flags without a value, handled by the magic itself


class RunInitError(UsageError):
    """A ``%%runinit`` cell that cannot start a run; shown without a traceback."""

    def __init__(self, message: str, line: int | None = None, argument: str | None = None):
        where = f"line {line}" if line is not None else ""
        if argument:
            where = f"{where} ({argument})" if where else f"({argument})"
        super().__init__(f"%%runinit {where}: {message}" if where else f"%%runinit: {message}")
        self.bare = message
        self.line = line
        self.argument = argument

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}", "Nothing was started."]


@dataclass
class RunInitCell:
    """What a ``%%runinit`` cell asks for."""

    name: str = "run"
    kwargs: dict[str, Any] = field(default_factory=dict)
    switches: set[str] = field(default_factory=set)
    lines: dict[str, int] = field(default_factory=dict)  # argument -> cell line


def _check_argument(key: Any, line: int | None) -> str:
    if not isinstance(key, str) or key not in INIT_ARGUMENTS:
        hint = did_you_mean(str(key), INIT_ARGUMENTS)
        raise RunInitError(f"unknown argument {key!r}{hint}; the arguments are those of "
                           "nbrun.init()", line)
    return key


def _flag_value(key: str, text: str) -> Any:
    """A magic-line value typed as its argument expects."""
    import yaml

    if key in _TEXT_ARGS:
        return text
    if key in _BOOL_ARGS:
        return parse_bool_text(text, f"--{key}")
    if key in _LIST_ARGS:
        if text.startswith("["):
            return yaml.safe_load(text)
        return split_tags_text(text)
    if key in ("reinit", "resume"):
        low = text.lower()
        return {"true": True, "false": False}.get(low, text)
    return yaml.safe_load(text)  # config (mapping or a path), settings


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
            _check_argument(key, 1)
            if not eq:
                if i + 1 >= len(tokens):
                    raise RunInitError(f"--{key} needs a value", 1, key)
                i += 1
                value = tokens[i]
            try:
                cell.kwargs[key] = _flag_value(key, value)
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


def _too_long_number(node: Any) -> Any:
    """The first scalar node of ``node`` that reads as an integer too long to convert."""
    import yaml

    if isinstance(node, yaml.ScalarNode):
        digits = sum(c.isdigit() for c in node.value)
        return node if node.tag.endswith(":int") and digits > 4000 else None
    children = node.value if isinstance(node, yaml.SequenceNode) else \
        [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else []
    return next((found for child in children if (found := _too_long_number(child))), None)


def parse_body(body: str, values: dict[str, Any] | None = None
               ) -> tuple[dict[str, Any], dict[str, int]]:
    """The body's mapping of arguments and the cell line of each; ``values`` are the notebook
    values standing in the body as placeholder words (see ``parse``)."""
    import yaml

    if not body.strip():
        return {}, {}
    try:
        node = yaml.compose(body, Loader=yaml.SafeLoader)
        data = yamlsafe.safe_load(body)
    except yaml.YAMLError as exc:
        # Indentation is the usual cause, and the parser names only its first symptom.
        _raise_all(indentation_problems(body))
        # The construct that was left open (context) says more than where reading stopped.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise RunInitError(f"the body is not valid YAML: {problem}",
                           mark.line + 2 if mark is not None else None) from None
    except ValueError:  # Python refuses to read an integer of thousands of digits
        found = _too_long_number(node)
        raise RunInitError("a number of more than 4000 digits cannot be read; quote it to pass "
                           "it as text", found.start_mark.line + 2 if found else None) from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise RunInitError("the body must be a mapping of init() arguments, one per line "
                           "(project: demo)", 2)
    lines: dict[str, int] = {}
    problems: list[RunInitError] = []
    opened = None  # an argument with no value above: an unknown key may belong under it
    for key_node, value_node in node.value:
        key, line = _put_values(key_node.value, values or {}), key_node.start_mark.line + 2
        try:
            _check_argument(key, line)
            if key in lines:
                raise RunInitError(f"argument {key!r} is given twice (also on line "
                                   f"{lines[key]})", line, key)
        except RunInitError as exc:
            if opened is not None and key not in INIT_ARGUMENTS:
                exc = RunInitError(f"{exc.bare}; if it belongs to {opened[0]!r} (line "
                                   f"{opened[1]}), indent it under that line", line)
            problems.append(exc)
        if isinstance(key, str):
            lines.setdefault(key, line)
        empty = isinstance(value_node, yaml.ScalarNode) and value_node.value == ""
        opened = (key, line) if empty else opened if key not in INIT_ARGUMENTS else None
    if len(problems) == 1:
        raise problems[0]
    _raise_all([(p.line, p.bare) for p in problems])
    return data, lines


def _raise_all(problems: list[tuple[int | None, str]]) -> None:
    """One error naming every problem (the first one's line leads)."""
    if not problems:
        return
    if len(problems) == 1:
        raise RunInitError(problems[0][1], problems[0][0])
    listed = "\n".join(f"  line {line}: {message}" for line, message in problems)
    raise RunInitError(f"the body has {len(problems)} problems:\n{listed}", problems[0][0])


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


def _put_values(data: Any, values: dict[str, Any]) -> Any:
    """The parsed body with each placeholder word replaced: a scalar that is only a
    placeholder becomes the value itself, one inside text becomes the value's text."""
    if isinstance(data, str):
        if data in values:
            return values[data]
        for word, value in values.items():
            if word in data:
                data = data.replace(word, format(value))
        return data
    if isinstance(data, dict):
        return {_put_values(k, values): _put_values(v, values) for k, v in data.items()}
    if isinstance(data, list):
        return [_put_values(v, values) for v in data]
    return data


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
        data = _put_values(data, values)
    merged = {**data, **cell.kwargs}  # flags override the body
    cell.lines = {**lines, **cell.lines}
    cell.kwargs = merged
    return cell


_ARGUMENT_AT_START = re.compile(r"^(?:config key|log: key)?\s*'?([a-z_]+)")


def locate(cell: RunInitCell, error: UsageError) -> RunInitError:
    """Point an ``init()`` refusal at the line of the argument it names."""
    message = str(error)
    match = _ARGUMENT_AT_START.match(message)
    argument = None
    if message.startswith("config key") or message.startswith("config "):
        argument = "config"
    elif match and match.group(1) in cell.lines:
        argument = match.group(1)
    else:
        named = [a for a in cell.lines if re.search(rf"\b{a}\b", message)]
        argument = named[0] if named else None
    line = cell.lines.get(argument) if argument else None
    return RunInitError(message, line, argument)
