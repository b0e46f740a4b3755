"""Why a run failed: the exception that ended it (a ``with`` block, an uncaught exception in a
script) or that a cell raised while it was active in a notebook, as the run's ``error``:
``{"type", "message", "traceback", "where", "at"}``, bounded so a huge message or a deep
recursion cannot bloat the run's row."""

from __future__ import annotations

import time
import traceback
from types import TracebackType
from typing import Any

MESSAGE_MAX_CHARS = 4_000
TRACEBACK_MAX_CHARS = 32_000


def describe(exc_type: type[BaseException], exc: BaseException | None,
             tb: TracebackType | None, where: str) -> dict[str, Any]:
    """The run's ``error`` for this exception; ``where`` says what raised it."""
    name = exc_type.__qualname__
    module = getattr(exc_type, "__module__", "builtins")
    if module not in ("builtins", "__main__"):
        name = f"{module}.{name}"
    try:
        message = str(exc) if exc is not None else ""
    except Exception as problem:  # a __str__ that raises must not hide the failure itself
        message = f"<the exception's message could not be read: {problem!r}>"
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    if len(text) > TRACEBACK_MAX_CHARS:  # the innermost frames say the most: keep the end
        text = "...\n" + text[-TRACEBACK_MAX_CHARS:]
    if len(message) > MESSAGE_MAX_CHARS:
        message = message[:MESSAGE_MAX_CHARS] + "..."
    return {"type": name, "message": message, "traceback": text, "where": where,
            "at": time.time()}


def headline(error: dict[str, Any]) -> str:
    """``ValueError: loss is nan`` (with where it happened), for one-line views."""
    if not error:
        return ""
    message = str(error.get("message") or "").strip().splitlines()
    first = f"{error.get('type', 'Exception')}: {message[0]}" if message else str(
        error.get("type", "Exception"))
    where = error.get("where")
    return f"{first} ({where})" if where else first
