"""A run's sync state in words, for ``nbrun runs``, ``nbrun show``, the run card and the
sidebar: synced / N points behind / last error, and the run's page on the server."""

from __future__ import annotations

from typing import Any

from ..store import Store
from ..store import syncstate


def describe(entry: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready status of one run from ``syncstate.overview``."""
    state = entry["sync"]
    sent = state.sent if state is not None else {}
    server_state = sent.get("state")
    caught_up = (state is not None and state.server_run_id is not None and entry["behind"] == 0
                 and server_state is not None and
                 (entry["state"] == "running" or server_state[0] != "RUNNING"))
    if state is None or state.server_run_id is None:
        label = "offline" if entry["mode"] == "offline" and state is None else "not synced"
    elif caught_up:
        label = "synced"
    else:
        label = f"{entry['behind']} behind" if entry["behind"] else "state pending"
    return {
        "label": label, "synced": caught_up, "behind": entry["behind"],
        "url": state.url if state is not None else None,
        "server": state.server if state is not None else None,
        "server_run_id": state.server_run_id if state is not None else None,
        "last_error": state.last_error if state is not None else None,
        "refused": sent.get("refused", 0),
        "errors": [text for _, text in sent.get("errors", [])],
        "points_sent": state.points_sent if state is not None else 0,
        "synced_at": state.synced_at if state is not None else None,
    }


def all_statuses(store: Store) -> dict[str, dict[str, Any]]:
    return {run_id: describe(entry) for run_id, entry in syncstate.overview(store).items()}


def short(status: dict[str, Any]) -> str:
    """One word or two for a table column."""
    text = status["label"]
    if status["last_error"]:
        text += " (error)"
    return text
