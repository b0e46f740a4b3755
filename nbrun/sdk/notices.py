"""Where the SDK's one-time notices go: stderr by default (a script, a terminal); a notebook
layer may take them instead and show them quietly, since JupyterLab paints every stderr line
of a cell as an error box."""

from __future__ import annotations

import sys
from typing import Callable

_handler: Callable[[str], None] | None = None


def emit(text: str) -> None:
    """Hand ``text`` to the installed handler, else print it on stderr."""
    if _handler is not None:
        _handler(text)
    else:
        print(text, file=sys.stderr)


def route(handler: Callable[[str], None] | None) -> None:
    """Send later notices to ``handler`` (None: back to stderr)."""
    global _handler
    _handler = handler
