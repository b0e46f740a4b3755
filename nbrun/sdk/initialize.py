"""``nbrun.init()``: validate every argument, then create, resume, rewind or fork a run."""

from __future__ import annotations

import os
import shutil
import time
import warnings
from dataclasses import dataclass
from typing import Any

from .. import urlauth
from ..errors import AuthenticationError, ConfigError, Error, UsageError
from ..settings import Settings
from ..store import Store, locate_store
from ..store.location import STORE_DIRNAME
from ..store.liveness import me
from . import environment, lifecycle, names, notices, plugins, registry
from .disabled import DisabledRun
from . import cells
from .arguments import check_arguments, recorded_settings, resolve
from .run import Run, abandon, attach_plugins, finish_replaced, restore_metrics, started_by_cell

_offline_notice_shown = False


def init(entity: str | None = None, project: str | None = None, dir: Any = None,
         id: str | None = None, name: str | None = None, notes: str | None = None,
         tags: Any = None, config: Any = None, config_exclude_keys: Any = None,
         config_include_keys: Any = None, allow_val_change: bool | None = None,
         group: str | None = None, job_type: str | None = None, mode: str | None = None,
         force: bool | None = None, anonymous: str | None = None, reinit: Any = None,
         resume: Any = None, resume_from: str | None = None, fork_from: str | None = None,
         save_code: bool | None = None, tensorboard: bool | None = None,
         sync_tensorboard: bool | None = None, monitor_gym: bool | None = None,
         settings: Settings | dict[str, Any] | None = None) -> Run | DisabledRun:
    """Start a run (or return, resume, rewind or fork one) as the ``init()`` contract says."""
    passed = {k: v for k, v in locals().items() if v is not None}
    try:
        return _init(passed)
    except (Error, KeyboardInterrupt):
        raise
    except Exception as exc:  # the contract's catch-all: never a bare internal exception
        raise Error(f"nbrun.init() failed unexpectedly: {type(exc).__name__}: {exc}") from exc


@dataclass
class _Plan:
    """Everything validated; nothing touched on disk yet."""

    s: Settings
    root: str
    mode: str
    config: dict[str, Any]
    allow_val_change: bool
    reinit: str
    resume: str | None
    resume_from: tuple[str, int] | None
    fork_from: tuple[str, int] | None
    program: str | None
    cell: str | None


def _plan(passed: dict[str, Any]) -> _Plan:
    checked = check_arguments(passed)
    for deprecation in checked.deprecations:
        warnings.warn(f"init: {deprecation}", DeprecationWarning, stacklevel=4)
    kwargs, given_settings = checked.kwargs, checked.settings

    location = locate_store(kwargs.get("dir"), given_settings)
    root = location.root
    s = resolve(checked, location.settings_root, resume_from=passed.get("resume_from"),
                fork_from=passed.get("fork_from"))
    resume, resume_from, fork_from, cfg = s.resume, checked.resume_from, checked.fork_from, \
        checked.config

    in_kernel = environment.in_notebook_kernel()
    allow = s.allow_val_change if s.allow_val_change is not None else in_kernel
    reinit_mode = s.reinit or "default"
    if reinit_mode == "default":
        reinit_mode = "finish_previous" if in_kernel else "return_previous"

    mode = s.mode
    if mode is None:
        mode = "online" if s.base_url else "offline"
        if mode == "offline":
            _offline_notice(s, "no tracking server is configured (set NBRUN_BASE_URL or "
                            "base_url, or pass mode='offline' to silence this)", root)
    if mode == "online" and not s.base_url:
        if s.force:
            raise AuthenticationError(
                "mode='online' with force=True, but no tracking server is configured: set "
                "NBRUN_BASE_URL (or settings base_url) and credentials, or drop force=True")
        _offline_notice(s, "mode='online' but no tracking server is configured (set "
                        "NBRUN_BASE_URL)", root)
        mode = "offline"
    if mode != "disabled":
        mode = plugins.negotiate(s, mode, root)
    program = environment.program_label(s.notebook_name)
    cell = cells.current_cell_key() if in_kernel else None
    return _Plan(s, root, mode, cfg, allow, reinit_mode, resume, resume_from, fork_from, program,
                 cell)


def _offline_notice(s: Settings, why: str, root: str) -> None:
    global _offline_notice_shown
    if _offline_notice_shown or s.silent:
        return
    _offline_notice_shown = True
    notices.emit(f"nbrun: {why}; logging offline to {os.path.join(root, STORE_DIRNAME)}")


def _init(passed: dict[str, Any]) -> Any:
    plan = _plan(passed)
    s = plan.s

    if plan.reinit == "return_previous" and registry.current() is not None:
        previous = registry.current()
        if plan.resume == "must" and previous.id != s.id:
            raise UsageError(
                f"resume='must' asks for run {s.id!r}, but run {previous.id!r} is active and "
                "reinit='return_previous' would return it; finish it first or pass "
                "reinit='finish_previous' or 'create_new'", "resume")
        ignored = sorted(k for k in passed if k != "reinit")
        if ignored:
            warnings.warn(
                f"init: reinit='return_previous' returned the active run {previous.id!r}; these "
                f"arguments were not applied: {', '.join(ignored)}", UserWarning, stacklevel=3)
        return previous
    if plan.reinit == "create_new" and s.id is not None and registry.find(s.id) is not None:
        raise UsageError(f"id={s.id!r} is already an active run in this process; reinit="
                         "'create_new' needs a different id (or finish that run first)", "id")

    if plan.mode == "disabled":
        run = DisabledRun(id=s.id or names.generate_id(), name=s.name or "disabled-run",
                          project=s.project or "uncategorized", config=plan.config,
                          tags=s.tags or (), notes=s.notes, group=s.group,
                          job_type=s.job_type, entity=s.entity)
        _finish_previous(plan)
        registry.add(run, make_global=plan.reinit != "create_new")
        return run

    store = Store(plan.root, create=True)
    finishing = ({run.id for run in registry.active()}
                 if plan.reinit == "finish_previous" else set())
    # Every check runs before the previous runs are finished, so a refused init() changes
    # nothing; the decision is then made again on what finishing them wrote.
    opening = _prepare(plan, store, finishing)
    if finishing:
        _finish_previous(plan)
        opening = _prepare(plan, store, set())
    return _open(plan, store, opening)


def _finish_previous(plan: _Plan) -> None:
    if plan.reinit != "finish_previous":
        return
    for run in reversed(registry.active()):
        if plan.cell is not None and isinstance(run, Run) and started_by_cell(run) == plan.cell:
            finish_replaced(run)
        else:
            run.finish()


@dataclass
class _Opening:
    """A decided and checked run, ready to be written."""

    decision: lifecycle.Decision
    fields: dict[str, Any]
    now: float


def _prepare(plan: _Plan, store: Store, finishing: set[str]) -> _Opening:
    s = plan.s
    decision = lifecycle.decide(store, s, plan.resume, plan.resume_from, plan.fork_from,
                                plan.program, finishing)
    existing = decision.existing
    project = s.project or (existing.project if existing is not None else None) \
        or environment.infer_project(plan.program)
    if existing is not None and decision.kind in ("resume", "rewind") and \
            existing.project != project:
        raise UsageError(
            f"run {existing.id!r} belongs to project {existing.project!r}, not {project!r}; "
            "resume it in its own project (omit project= or pass the same one)", "project")
    config = dict(decision.base_config)
    if config and plan.config and not plan.allow_val_change and decision.kind == "resume":
        for key, value in plan.config.items():
            if key in config and config[key] != value:
                raise ConfigError(
                    f"config key {key!r} of resumed run {existing.id!r} holds {config[key]!r}; "
                    f"refusing {value!r} because allow_val_change is False")
    config.update(plan.config)

    host, pid, pid_start = me()
    now = time.time()
    if existing is not None and decision.kind in ("resume", "rewind"):
        name = s.name or existing.name
        notes = s.notes if s.notes is not None else existing.notes
        tags = s.tags if s.tags is not None else tuple(existing.tags)
        entity = s.entity if s.entity is not None else existing.entity
        group = s.group if s.group is not None else existing.group
        job_type = s.job_type if s.job_type is not None else existing.job_type
    else:
        name = s.name or names.generate_name(store.count_project_runs(project) + 1)
        notes, tags, entity = s.notes, s.tags or (), s.entity
        group, job_type = s.group, s.job_type
    fields = {
        "id": decision.run_id or s.id or _fresh_id(store), "name": name, "project": project,
        "entity": entity, "notes": notes, "tags": list(tags), "group": group,
        "job_type": job_type, "config": config, "state": "running", "exit_code": None,
        "error": {},  # a resumed run starts again without its last failure
        "mode": plan.mode, "updated_at": now, "finished_at": None, "heartbeat_at": now,
        "host": host, "pid": pid, "pid_start": pid_start, "program": plan.program,
        "settings": _recorded_settings(s), "cell": plan.cell, "hidden": 0,
    }
    return _Opening(decision, fields, now)


def _open(plan: _Plan, store: Store, opening: _Opening) -> Run:
    """Write the run in one transaction that commits only once the run object exists and is
    registered: a Ctrl-C or a failure anywhere before rolls the store back to what it was."""
    fields = opening.fields
    run_dir = store.run_dir(fields["id"])
    created = aside = run = None
    try:
        with store.transaction() as conn:
            try:
                decision = lifecycle.confirm(conn, opening.decision, fields["id"])
                if decision.replaces and os.path.isdir(run_dir):
                    aside = f"{run_dir}~replaced-{names.generate_id()}"
                    os.rename(run_dir, aside)
                if not os.path.isdir(run_dir):
                    created = run_dir
                    os.makedirs(run_dir, mode=0o700)
                rid, starting_step, summary = lifecycle.apply(store, conn, decision, fields,
                                                              opening.now)
                run = Run(store=store, rid=rid, id=fields["id"], name=fields["name"],
                          project=fields["project"], entity=fields["entity"],
                          notes=fields["notes"], tags=tuple(fields["tags"]),
                          group=fields["group"], job_type=fields["job_type"],
                          config=fields["config"], allow_val_change=plan.allow_val_change,
                          mode=plan.mode, dir=run_dir, starting_step=starting_step,
                          resumed=decision.kind == "resume", summary=summary, settings=plan.s,
                          cell=plan.cell)
                registry.add(run, make_global=plan.reinit != "create_new")
            except BaseException:
                if run is not None:
                    abandon(run)  # before the rollback, so the writer never writes it
                raise
    except BaseException:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        if aside is not None:
            os.rename(aside, run_dir)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    if opening.decision.existing is not None:  # resumed, rewound or forked: its definitions
        restore_metrics(run, opening.decision.existing.metrics)
    _apply_extras(run, plan.s, plan)
    registry.started(run)
    attach_plugins(run, plugins.for_run(plan.s, plan.mode))
    return run


def _fresh_id(store: Store) -> str:
    taken = set(store.ids())
    while True:
        run_id = names.generate_id()
        if run_id not in taken:
            return run_id


def _recorded_settings(s: Settings) -> dict[str, Any]:
    recorded = recorded_settings(s)
    if "base_url" in recorded:
        recorded["base_url"] = _without_credentials(recorded["base_url"])
    return recorded


def _without_credentials(url: str) -> str:
    """``https://user:secret@host/x`` as ``https://host/x``: the recorded settings are read by
    anyone who can read the store, the sidebar and the synced run."""
    return urlauth.split(url)[0]


def _apply_extras(run: Run, s: Settings, plan: _Plan) -> None:
    """Effects that need the run to exist. In a notebook kernel the notebook layer (loaded
    below) captures the notebook and its cells; elsewhere the main program is saved here."""
    if environment.in_notebook_kernel():
        environment.ensure_notebook_extension()
    elif s.save_code:
        from .code import save_code

        save_code(run, plan.program)
