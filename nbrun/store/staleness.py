"""Which running runs are stale: their process on this host is gone, or (from another host)
their heartbeat is older than the store's limit. The sidebar offers "mark crashed" on those
only; the server's own reaper marks them too, but only every few seconds."""

from __future__ import annotations

import time
from typing import Any

from .database import STALE_AFTER_S, Store
from .liveness import owner_alive


def stale_rids(store: Store, rids: list[int]) -> set[int]:
    """The rids among ``rids`` of runs in state running whose owner is not alive."""
    if not rids:
        return set()
    marks = ", ".join("?" for _ in rids)
    now = time.time()
    rows = store.conn.execute(
        f"SELECT rid, host, pid, pid_start, heartbeat_at FROM runs WHERE state='running' "
        f"AND rid IN ({marks})", rids)
    return {r[0] for r in rows
            if not owner_alive(r[1], r[2], r[3], r[4] or 0.0, now, STALE_AFTER_S)}


def mark(store: Store, runs: list[dict[str, Any]], rids: list[int]) -> None:
    """Set ``stale`` on each run dict (``runs[i]`` is the run of ``rids[i]``)."""
    stale = stale_rids(store, [rid for rid, run in zip(rids, runs)
                               if run.get("state") == "running"])
    for rid, run in zip(rids, runs):
        run["stale"] = rid in stale
