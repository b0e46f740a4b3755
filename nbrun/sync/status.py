"""A run's sync state in words, for ``nbrun runs`` and ``nbrun show`` (the store computes it:
``syncstate.describe``, shared with the run card and the sidebar)."""

from __future__ import annotations

from typing import Any

from ..store import Store
from ..store import syncstate

describe = syncstate.describe


def all_statuses(store: Store) -> dict[str, dict[str, Any]]:
    return syncstate.statuses(store)


def short(status: dict[str, Any]) -> str:
    """One word or two for a table column."""
    text = status["label"]
    if status["last_error"]:
        text += " (error)"
    return text
