"""The Python equivalent of a spec: ``run = nbrun.init(...)``, ready to paste."""

from __future__ import annotations

import math
from typing import Any, Mapping

from ..settings import Settings


def literal(value: Any) -> str:
    """Python source for a value: repr, except where repr is not valid source (NaN and the
    infinities, nested inside containers too) and for nbrun.Settings."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({repr(value)!r})"
    if isinstance(value, dict):
        items = ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items())
        return f"{{{items}}}"
    if isinstance(value, list):
        return f"[{', '.join(literal(v) for v in value)}]"
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, Settings):
        inner = ", ".join(f"{k}={literal(v)}" for k, v in value.explicit().items())
        return f"nbrun.Settings({inner})"
    return repr(value)


def init_call(kwargs: Mapping[str, Any], name: str = "run") -> str:
    """``import nbrun`` and the ``init()`` call, one argument per line."""
    if not kwargs:
        return f"import nbrun\n\n{name} = nbrun.init()\n"
    lines = "".join(f"    {key}={literal(value)},\n" for key, value in kwargs.items())
    return f"import nbrun\n\n{name} = nbrun.init(\n{lines})\n"
