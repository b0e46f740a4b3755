"""YAML text for the run form: ``%%runinit`` bodies and the YAML fields (config, settings).

A body is read twice: as plain YAML (``parse_body``), and by the ``%%runinit`` magic after
IPython's ``$var`` / ``{expr}`` expansion. So that both readings agree, every string holding
``$``, ``{`` or ``}`` is written double-quoted with those characters as YAML escapes
(``\\x24``, ``\\x7B``, ``\\x7D``): the line then has nothing for IPython to expand, and YAML
turns the escapes back into the characters.
"""

from __future__ import annotations

import io
import os
from typing import Any, Mapping

import yaml

from .. import yamlsafe

_EXPANDED = "${}"
_ESCAPES = str.maketrans({"$": "\\x24", "{": "\\x7B", "}": "\\x7D"})
_WIDTH = 1 << 30  # never fold a long string over several lines


def _breaks(text: str) -> bool:
    """Characters PyYAML folds or drops outside double quotes (NEL and the Unicode line and
    paragraph separators are line breaks to YAML; a carriage return is normalised): written
    double-quoted, they are escaped and survive."""
    return any(c in text for c in "\r\x85\u2028\u2029")


class _Dumper(yaml.SafeDumper):
    """Readable block YAML; multi-line strings as literal blocks."""

    escape_expansion = False

    def ignore_aliases(self, data: Any) -> bool:
        return True  # a value used twice is written twice, not as an &anchor

    def represent_str(self, data: str) -> yaml.Node:
        if (self.escape_expansion and any(c in data for c in _EXPANDED)) or _breaks(data):
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
