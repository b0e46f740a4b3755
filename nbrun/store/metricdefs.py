"""A run's ``define_metric()`` definitions as stored (``runs.metrics``), and which one a history
key follows. Read by the run (its summary), the run card and the server's run endpoint.

Stored as ``{name: {"step_metric", "step_sync", "hidden", "summary", "goal"}}``: ``name`` is a
key, or a glob ending in ``*`` (``val/*``: every key starting with ``val/``); ``summary`` is a
list of ``min``, ``max``, ``mean``, ``best``, ``last``, ``first``, ``copy``, ``none``; ``goal``
is ``minimize``, ``maximize`` or None.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Mapping

if TYPE_CHECKING:
    from .database import Store

Definition = Mapping[str, Any]


def resolve(definitions: Mapping[str, Definition], key: str) -> Definition | None:
    """The definition ``key`` follows: its own name first, else the longest glob it matches
    (keys starting with ``_`` are internal and match no glob), else None."""
    own = definitions.get(key)
    if own is not None:
        return own
    if key.startswith("_"):
        return None
    best: tuple[int, Definition] | None = None
    for name, definition in definitions.items():
        if name.endswith("*") and key.startswith(name[:-1]):
            if best is None or len(name) > best[0]:
                best = (len(name), definition)
    return None if best is None else best[1]


def chart_options(definitions: Mapping[str, Definition], keys: Iterable[str]
                  ) -> dict[str, dict[str, Any]]:
    """How charts show each of ``keys`` that a definition changes: ``{key: {"step_metric":
    name or None, "step_sync": bool, "hidden": bool}}`` (a key charted against ``_step`` and
    not hidden is left out). A key that is its own step metric is charted against the step."""
    out: dict[str, dict[str, Any]] = {}
    if not definitions:
        return out
    for key in keys:
        found = resolve(definitions, key)
        if found is None:
            continue
        step_metric = found.get("step_metric")
        if step_metric == key:
            step_metric = None
        hidden = bool(found.get("hidden"))
        if step_metric or hidden:
            out[key] = {"step_metric": step_metric, "step_sync": bool(found.get("step_sync")),
                        "hidden": hidden}
    return out


def of_run(store: Store, rid: int) -> dict[str, Definition]:
    """The run's stored definitions (``{}`` when it made none)."""
    row = store.conn.execute("SELECT metrics FROM runs WHERE rid=?", (rid,)).fetchone()
    return json.loads(row[0]) if row is not None and row[0] else {}
