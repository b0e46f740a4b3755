"""The actions on a stored run: edit its tags and notes, mark it crashed or finished, delete it.

Each checks the run's state inside the same ``BEGIN IMMEDIATE`` transaction that changes it, so
a run resumed meanwhile is never edited.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
import uuid
from typing import Any, Sequence

from . import artifact_rows, objects, system
from .database import Store
from .liveness import owner_alive
from .records import dumps

# Outcomes of the actions.
OK, MISSING, RUNNING, REFUSED = "ok", "missing", "running", "refused"
_KEEP = object()


def _settled_run(conn: sqlite3.Connection, run_id: str) -> sqlite3.Row | str:
    """The run's row when it may be changed by hand; MISSING, or RUNNING while its own process
    still writes it (and would overwrite the change)."""
    row = conn.execute("SELECT rid, state FROM runs WHERE id=?", (run_id,)).fetchone()
    if row is None:
        return MISSING
    if row["state"] == "running":
        return RUNNING
    return row


def edit_run(store: Store, run_id: str, tags: Sequence[str] | None = None,
             notes: Any = _KEEP) -> str:
    """Replace tags and/or notes of a run that is not running. A running run's writer holds
    its tags and notes in memory and would overwrite an edit, hence RUNNING for those."""
    fields: dict[str, Any] = {}
    if tags is not None:
        fields["tags"] = dumps(list(tags))
    if notes is not _KEEP:
        fields["notes"] = notes
    store.reap(run_id)
    with store.transaction() as conn:
        row = _settled_run(conn, run_id)
        if isinstance(row, str):
            return row
        fields["updated_at"] = time.time()
        sets = ", ".join(f"{k}=?" for k in fields)
        conn.execute(f"UPDATE runs SET {sets} WHERE rid=?", (*fields.values(), row["rid"]))
    return OK


def set_state(store: Store, run_id: str, target: str, stale_after: float) -> str:
    """Mark a run ``crashed`` or ``finished`` by hand.

    Allowed only for a run that reads ``running`` while its owner is gone (dead process, or a
    heartbeat older than ``stale_after`` for another host) and, to mark it finished, for a
    crashed run. A finished or failed run keeps its state (REFUSED); a live one too (RUNNING).
    """
    if target not in ("crashed", "finished"):
        raise ValueError(target)
    store.reap(run_id)
    now = time.time()
    with store.transaction() as conn:
        row = conn.execute("SELECT rid, state, host, pid, pid_start, heartbeat_at FROM runs "
                           "WHERE id=?", (run_id,)).fetchone()
        if row is None:
            return MISSING
        state = row["state"]
        if state == "running":
            if owner_alive(row["host"], row["pid"], row["pid_start"], row["heartbeat_at"], now,
                           stale_after):
                return RUNNING
        elif state != "crashed":
            return REFUSED
        elif target == "crashed":
            return OK  # already so
        # The last heartbeat is the last sign of life: the best end time for a run that died.
        conn.execute("UPDATE runs SET state=?, updated_at=?, "
                     "finished_at=CASE WHEN ?='finished' THEN COALESCE(finished_at, heartbeat_at)"
                     " ELSE finished_at END WHERE rid=?",
                     (target, now, target, row["rid"]))
    return OK


def delete_run(store: Store, run_id: str) -> str:
    """Delete a run that is not running: its row, its history and its folder.

    The folder is moved aside inside the transaction (and moved back if it fails), so a
    concurrent ``init()`` of the same id never finds half a folder; it is removed after commit.
    """
    store.reap(run_id)
    run_dir = store.run_dir(run_id)
    aside = None
    try:
        with store.transaction() as conn:
            row = _settled_run(conn, run_id)
            if isinstance(row, str):
                return row
            if os.path.lexists(run_dir):
                aside = f"{run_dir}~deleting-{uuid.uuid4().hex[:8]}"  # "~": never a run folder name
                os.rename(run_dir, aside)
            conn.execute("DELETE FROM series WHERE rid=?", (row["rid"],))
            conn.execute("DELETE FROM media WHERE rid=?", (row["rid"],))
            system.forget(conn, row["rid"])
            conn.execute("DELETE FROM alerts WHERE rid=?", (row["rid"],))
            conn.execute("DELETE FROM runs WHERE rid=?", (row["rid"],))
            freed = artifact_rows.forget_run(conn, row["rid"])
    except BaseException:
        if aside is not None:
            os.rename(aside, run_dir)
        raise
    # After the commit: the objects of the versions that went with the run, unless another
    # version holds them too; then anything a killed process left behind.
    objects.release(store, freed)
    objects.sweep(store)
    if aside is not None:
        if os.path.islink(aside):  # never follow a link out of the store
            os.unlink(aside)
        else:
            shutil.rmtree(aside, ignore_errors=True)
    return OK


def state_of(store: Store, run_id: str) -> str | None:
    """The run's state now, or None when there is no such run."""
    row = store.conn.execute("SELECT state FROM runs WHERE id=?", (run_id,)).fetchone()
    return None if row is None else row[0]
