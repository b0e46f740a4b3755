"""A run's alerts on the tracking server: MLflow has no alerts of its own, so they go as the
run artifact ``nbrun/alerts.json`` (every alert, oldest first), sent again when one is added."""

from __future__ import annotations

import json

from ..store import Store
from ..store import alerts as stored

ALERTS_FILE = "nbrun/alerts.json"


def artifacts(store: Store, rid: int) -> dict[str, bytes]:
    """``{ALERTS_FILE: its bytes}`` when the run has alerts, else nothing to send."""
    if not stored.count(store, rid):
        return {}
    listed = stored.of_run(store, rid, limit=100_000)
    return {ALERTS_FILE: json.dumps(listed, indent=2, sort_keys=True).encode()}
