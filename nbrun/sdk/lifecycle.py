"""Which run ``init()`` opens: new, replaced, resumed, rewound or forked; and opening it."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Collection

from ..errors import UsageError
from ..settings import Settings
from ..store import RunRow, Store
from ..store import mediafiles, moments
from ..store.claims import Holder, holder
from ..store.liveness import HOST


@dataclass
class Decision:
    kind: str  # "new", "resume", "rewind" or "fork"
    run_id: str | None
    existing: RunRow | None = None  # the run resumed or rewound, or the fork's source
    replaces: bool = False  # a new run taking over an existing id (resume=None)
    may_replace: bool = False  # resume=None: a finished or crashed run of the id gives way
    step: int | None = None  # where a rewind or fork cuts
    base_config: dict[str, Any] = field(default_factory=dict)


def _refuse_if_live(row: RunRow, what: str, finishing: Collection[str] = (),
                    argument: str = "id") -> None:
    # A run of this process that init() is about to finish does not count as live.
    mine = row.host == HOST and row.pid == os.getpid() and row.id in finishing
    if row.state == "running" and not mine:
        raise UsageError(
            f"{what}: run {row.id!r} is still running (process {row.pid} on {row.host}); finish "
            "it first, or wait until it is detected as crashed", argument)


def _source(store: Store, run_id: str, step: int, arg: str, project: str | None,
            finishing: Collection[str] | None = None) -> RunRow:
    """The run a rewind or fork starts from; a rewind (``finishing`` given) refuses a live run
    first, since its history is still growing or was just replaced."""
    row = store.get(run_id)
    if row is None:
        raise UsageError(f"{arg}: no run with id {run_id!r} in the store at {store.path}", arg)
    if finishing is not None:
        _refuse_if_live(row, arg, finishing, arg)
    if project is not None and row.project != project:
        raise UsageError(f"{arg}: run {run_id!r} belongs to project {row.project!r}, not "
                         f"{project!r}; the source must be in the same project", arg)
    if step > row.last_step:
        last = ("it has no logged steps" if row.last_step < 0
                else f"its last step is {row.last_step}")
        raise UsageError(f"{arg}: step {step} is beyond the history of run {run_id!r} ({last}); "
                         f"pick a step from 0 to {max(row.last_step, 0)}", arg)
    return row


def decide(store: Store, s: Settings, resume: str | None,
           resume_from: tuple[str, int] | None, fork_from: tuple[str, int] | None,
           program: str | None, finishing: Collection[str] = ()) -> Decision:
    """Work out what to open, refusing (``UsageError``) before anything is written."""
    if resume_from is not None:
        row = _source(store, *resume_from, "resume_from", s.project, finishing)
        return Decision("rewind", row.id, row, step=resume_from[1], base_config=row.config)
    if fork_from is not None:
        row = _source(store, *fork_from, "fork_from", s.project)
        taken = store.get(s.id) if s.id is not None else None
        if taken is not None:
            _refuse_if_live(taken, "fork_from", finishing, "fork_from")
            raise UsageError(f"fork_from: id={s.id!r} already exists; a fork needs a new id",
                             "fork_from")
        return Decision("fork", s.id, row, step=fork_from[1], base_config=row.config)

    existing = store.get(s.id) if s.id is not None else None
    if resume is None:
        if existing is not None:
            _refuse_if_live(existing, "init (replacing an existing id)", finishing)
        return Decision("new", s.id, replaces=existing is not None, may_replace=True)
    if resume == "never":
        if existing is not None:
            raise UsageError(f"resume='never' but run {s.id!r} already exists in {store.path}; "
                             "pass another id or resume='allow'", "resume")
        return Decision("new", s.id)
    if resume == "must" and existing is None:
        raise UsageError(f"resume='must' but there is no run {s.id!r} in {store.path}; pass the "
                         "id of an existing run or resume='allow'", "resume")
    if resume == "auto" and s.id is None:
        existing = store.last_run_of_program(program, HOST) if program else None
        if existing is None or existing.state != "crashed":
            return Decision("new", None)
    if existing is None:
        return Decision("new", s.id)
    _refuse_if_live(existing, f"resume={resume!r}", finishing, "resume")
    return Decision("resume", existing.id, existing, base_config=existing.config)


def _refuse_live_holder(what: str, run_id: str, now: Holder, argument: str = "id") -> None:
    if now.live:
        raise UsageError(
            f"{what}: run {run_id!r} is still running ({now.describe()}); finish it first, or "
            "wait until it is detected as crashed", argument)


def confirm(conn: sqlite3.Connection, decision: Decision, run_id: str) -> Decision:
    """The decision checked again inside the opening transaction, under the store's write
    lock: another process may have opened, replaced or deleted the id since ``decide`` read
    it. Exactly one of several processes opening one id at once gets past this; the others get
    a ``UsageError`` naming the process that holds the id."""
    existing = decision.existing
    if decision.kind in ("resume", "rewind"):
        assert existing is not None
        what = "resume_from" if decision.kind == "rewind" else "resume"
        now = holder(conn, existing.id)
        if now is not None:
            _refuse_live_holder(what, existing.id, now, what)
        if now is None or now.rid != existing.rid:
            raise UsageError(f"{what}: run {existing.id!r} was replaced or deleted by another "
                             "process meanwhile; call init() again to see what it holds now",
                             what)
        return decision
    now = holder(conn, run_id)
    if decision.kind == "fork":
        assert existing is not None
        if now is not None:
            _refuse_live_holder("fork_from", run_id, now, "fork_from")
            raise UsageError(f"fork_from: id={run_id!r} already exists; a fork needs a new id",
                             "fork_from")
        source = holder(conn, existing.id)
        if source is None or source.rid != existing.rid:
            raise UsageError(f"fork_from: run {existing.id!r} was replaced or deleted by another "
                             "process meanwhile; call init() again", "fork_from")
        return decision
    if now is None:
        return dataclasses.replace(decision, replaces=False)
    _refuse_live_holder("init (replacing an existing id)" if decision.may_replace else "init",
                        run_id, now)
    if decision.may_replace:
        return dataclasses.replace(decision, replaces=True)
    raise UsageError(f"init: run {run_id!r} was created by another process meanwhile "
                     f"({now.describe()}); call init() again to see what it holds now, or pass "
                     "another id", "id")


def apply(store: Store, conn: sqlite3.Connection, decision: Decision, fields: dict[str, Any],
          now: float) -> tuple[int, int, dict[str, Any]]:
    """Write the decision inside the caller's transaction; returns (rid, starting step,
    summary)."""
    existing = decision.existing
    if decision.kind == "new":
        rid = store.insert_run(conn, {**fields, "created_at": now}, replace=decision.replaces)
        return rid, 0, {}
    if decision.kind == "fork":
        assert existing is not None and decision.step is not None
        lineage = {"forked_from": {"id": existing.id, "step": decision.step}}
        rid, summary, files = moments.fork(conn, existing.rid, decision.step,
                                           {**fields, "created_at": now, "lineage": lineage})
        # Before the commit: a fork whose opening commits always has the files its media
        # index names (a failed opening leaves at most its folder, which init() removes).
        mediafiles.share(store.run_dir(existing.id), store.run_dir(fields["id"]), files)
        return rid, decision.step + 1, summary
    assert existing is not None
    if decision.kind == "rewind":
        assert decision.step is not None
        summary = moments.rewind(conn, existing.rid, decision.step, fields, now)
        if summary is None:
            raise UsageError(f"resume_from: run {existing.id!r} started running meanwhile",
                             "resume_from")
        return existing.rid, decision.step + 1, summary
    opened = moments.resume(conn, existing.rid, fields, now)
    if opened is None:
        raise UsageError(f"resume: run {existing.id!r} started running meanwhile", "resume")
    return existing.rid, opened[0], opened[1]
