"""A run's relatives by name: the run it was forked from and the runs forked from it."""

from __future__ import annotations

from typing import Any

from .database import Store

MAX_FORKS = 200  # a parent listing more is cut; the count says how many there are


def relatives(store: Store, run_id: str, lineage: dict[str, Any]) -> dict[str, Any]:
    """``parent``: {id, name, step} (name None when the parent is gone) or None; ``forks``:
    [{id, name, step}] oldest first; ``forks_total``."""
    parent = None
    forked = lineage.get("forked_from") if isinstance(lineage, dict) else None
    if isinstance(forked, dict) and isinstance(forked.get("id"), str):
        row = store.conn.execute("SELECT name FROM runs WHERE id=?", (forked["id"],)).fetchone()
        parent = {"id": forked["id"], "name": row[0] if row else None,
                  "step": forked.get("step")}
    where = "json_extract(lineage, '$.forked_from.id') = ?"
    total = store.conn.execute(f"SELECT count(*) FROM runs WHERE {where}", (run_id,)).fetchone()
    rows = store.conn.execute(
        f"SELECT id, name, json_extract(lineage, '$.forked_from.step') FROM runs WHERE {where} "
        "ORDER BY created_at, rid LIMIT ?", (run_id, MAX_FORKS)).fetchall()
    return {"parent": parent, "forks": [{"id": r[0], "name": r[1], "step": r[2]} for r in rows],
            "forks_total": total[0]}
