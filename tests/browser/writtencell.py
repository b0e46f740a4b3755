"""Reading back the cells the sidebar writes to resume, fork or rewind a run: plain Python (one
``nbrun.init()`` call, no magic, so any kernel runs it) that IPython's input transformers leave
as written."""

from __future__ import annotations

import ast
from typing import Any

from IPython.core.inputtransformer2 import TransformerManager

# What marks a written cell among a notebook's cells (the call, not the import alone).
CALL = "run = nbrun.init("


def is_written_cell(source: str) -> bool:
    return source.startswith("import nbrun\n\n" + CALL)


def init_arguments(text: str) -> dict[str, Any]:
    """The keyword arguments the cell passes to ``nbrun.init()``; fails unless the cell is
    ``import nbrun`` then ``run = nbrun.init(...)`` and IPython would run it unchanged."""
    assert TransformerManager().transform_cell(text).rstrip("\n") == text.rstrip("\n"), text
    imports, assign = ast.parse(text).body
    assert ast.unparse(imports) == "import nbrun", text
    assert ast.unparse(assign.targets[0]) == "run", text
    assert ast.unparse(assign.value.func) == "nbrun.init" and not assign.value.args, text
    return {kw.arg: ast.literal_eval(kw.value) for kw in assign.value.keywords}
