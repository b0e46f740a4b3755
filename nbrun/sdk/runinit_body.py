"""The text of a ``%%runinit`` body, read and written here, and the run form's YAML fields.

The magic reads a body (``parse_body``); the run form writes one (``dump_body``) and reads it
back the same way. A body is read twice: as plain YAML (``parse_body``), and by the
``%%runinit`` magic after IPython's ``$var`` / ``{expr}`` expansion. So that both readings
agree, every string holding ``$``, ``{`` or ``}`` is written double-quoted with those
characters as YAML escapes (``\\x24``, ``\\x7B``, ``\\x7D``): the line then has nothing for
IPython to expand, and YAML turns the escapes back into the characters.

IPython also strips prompts from a whole cell before the magic sees its body: once any line
starts with ``>>>`` (after white space) it removes ``>>>`` and ``...`` from every line, so a
``>>> resume_from: x`` line inside a multi-line note would become an argument of its own. A
string with a line that starts so is written double-quoted, on one line, where no prompt can
begin.
"""

from __future__ import annotations

import io
import os
import re
from typing import Any, Mapping

import yaml

from .. import yamlsafe
from ..argument_table import NAMES
from ..errors import UsageError, did_you_mean
from .yamlindent import indentation_problems

_EXPANDED = "${}"
_ESCAPES = str.maketrans({"$": "\\x24", "{": "\\x7B", "}": "\\x7D"})
_WIDTH = 1 << 30  # never fold a long string over several lines
# A line IPython's prompt strippers take for a doctest prompt (">>>", "...") or an IPython one
# ("In [1]: ", "   ...: "); white space as Python's ``\s``, lines as ``str.splitlines``.
_PROMPT = re.compile(r"\s*(?:>>>|\.\.\.|In \[)")


def _breaks(text: str) -> bool:
    """Characters PyYAML folds or drops outside double quotes (NEL and the Unicode line and
    paragraph separators are line breaks to YAML; a carriage return is normalised): written
    double-quoted, they are escaped and survive."""
    return any(c in text for c in "\r\x85\u2028\u2029")


def _prompt_lines(text: str) -> bool:
    """A line IPython would strip a prompt from, were it a line of the cell."""
    return any(_PROMPT.match(line) for line in text.splitlines())


class _Dumper(yaml.SafeDumper):
    """Readable block YAML; multi-line strings as literal blocks."""

    escape_expansion = False

    def ignore_aliases(self, data: Any) -> bool:
        return True  # a value used twice is written twice, not as an &anchor

    def represent_str(self, data: str) -> yaml.Node:
        if self.escape_expansion and (any(c in data for c in _EXPANDED)
                                      or _prompt_lines(data)) or _breaks(data):
            style = '"'
        elif "\n" in data:
            style = "|"  # the emitter falls back to quotes when a block cannot hold the text
        else:
            style = None
        return self.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    def represent_other(self, data: Any) -> yaml.Node:
        """Values init() accepts that YAML has no tag for: their plain equivalents."""
        if isinstance(data, str):
            return self.represent_str(str(data))
        if isinstance(data, os.PathLike):
            return self.represent_str(os.fspath(data))
        if isinstance(data, Mapping):
            return self.represent_dict(dict(data))
        if isinstance(data, (list, tuple)):
            return self.represent_list(list(data))
        if isinstance(data, (set, frozenset)):
            return self.represent_set(set(data))
        if callable(getattr(data, "tolist", None)):  # NumPy scalars and arrays
            return self.represent_data(data.tolist())
        raise yaml.representer.RepresenterError(
            f"cannot write {type(data).__name__} values as YAML")

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        if not self.escape_expansion:
            super().write_double_quoted(text, split)
            return
        # Let the emitter write the scalar, then escape what IPython would expand; inside a
        # double-quoted scalar these characters are always content, never syntax.
        stream, self.stream = self.stream, io.StringIO()
        try:
            super().write_double_quoted(text, split)
            written = self.stream.getvalue()
        finally:
            self.stream = stream
        self.stream.write(written.translate(_ESCAPES))


class _BodyDumper(_Dumper):
    escape_expansion = True


for _dumper in (_Dumper, _BodyDumper):
    _dumper.add_representer(str, _Dumper.represent_str)
    _dumper.add_representer(tuple, _Dumper.represent_list)
    _dumper.add_multi_representer(object, _Dumper.represent_other)


def _dump(value: Any, dumper: type[_Dumper]) -> str:
    text = yaml.dump(value, Dumper=dumper, default_flow_style=False, sort_keys=False,
                     allow_unicode=True, width=_WIDTH)
    # A bare scalar ends with an explicit document end ("...") that no one wants to read.
    if text.endswith("\n...\n"):
        text = text[: -len("...\n")]
    return text


def dump_body(arguments: Mapping[str, Any]) -> str:
    """A ``%%runinit`` body: one ``argument: value`` per line, safe from IPython expansion."""
    return _dump(dict(arguments), _BodyDumper) if arguments else ""


def dump_value(value: Any) -> str:
    """The text of a YAML field (the inverse of ``load_value``); empty for None."""
    return "" if value is None else _dump(value, _Dumper)


def load_value(text: str) -> Any:
    """The value a YAML field holds (None when empty), or ``ValueError`` saying where the
    text stops being YAML."""
    try:
        return yamlsafe.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise ValueError(f"{where}not valid YAML ({problem})") from None


# -- reading a body -------------------------------------------------------------------------
class RunInitError(UsageError):
    """A ``%%runinit`` cell that cannot start a run; shown without a traceback."""

    def __init__(self, message: str, line: int | None = None, argument: str | None = None):
        where = f"line {line}" if line is not None else ""
        if argument:
            where = f"{where} ({argument})" if where else f"({argument})"
        super().__init__(f"%%runinit {where}: {message}" if where else f"%%runinit: {message}",
                         argument)
        self.bare = message
        self.line = line

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}", "Nothing was started."]


def check_name(key: Any, line: int | None) -> str:
    """An argument name of the cell (``line``), or the error saying which names there are."""
    if not isinstance(key, str) or key not in NAMES:
        hint = did_you_mean(str(key), NAMES)
        raise RunInitError(f"unknown argument {key!r}{hint}; the arguments are those of "
                           "nbrun.init()", line)
    return key


def _too_long_number(node: Any) -> Any:
    """The first scalar node of ``node`` that reads as an integer too long to convert."""
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
        key, line = put_values(key_node.value, values or {}), key_node.start_mark.line + 2
        try:
            check_name(key, line)
            if key in lines:
                raise RunInitError(f"argument {key!r} is given twice (also on line "
                                   f"{lines[key]})", line, key)
        except RunInitError as exc:
            if opened is not None and key not in NAMES:
                exc = RunInitError(f"{exc.bare}; if it belongs to {opened[0]!r} (line "
                                   f"{opened[1]}), indent it under that line", line)
            problems.append(exc)
        if isinstance(key, str):
            lines.setdefault(key, line)
        empty = isinstance(value_node, yaml.ScalarNode) and value_node.value == ""
        opened = (key, line) if empty else opened if key not in NAMES else None
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


def put_values(data: Any, values: dict[str, Any]) -> Any:
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
        return {put_values(k, values): put_values(v, values) for k, v in data.items()}
    if isinstance(data, list):
        return [put_values(v, values) for v in data]
    return data
