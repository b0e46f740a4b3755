"""``Run``: one tracked run writing to the embedded store."""

from __future__ import annotations

import threading
import warnings
from typing import Any

from .. import validation as rules
from ..errors import UsageError
from ..store import Store, get_writer, syncstate
from ..store import mirror as mirrored
from ..store.channel import Channel
from ..store.series import STEP, WALL
from . import failure, plugins, registry, rich, values, watching
from .artifact_methods import ArtifactMethods
from .blocks import BACKLOG_CHECK, BlockQueue, clock
from .config import Config
from .metric_methods import MetricMethods
from .summary import Summary

_SCALARS = values.SCALARS
_clock = clock
_storable_flat = values.storable_flat
_MAX_STEP = 2**63 - 1


class Run(BlockQueue, ArtifactMethods, MetricMethods, watching.Watching):
    """A run in progress. Created by ``nbrun.init()``."""

    def __init__(self, *, store: Store, rid: int, id: str, name: str, project: str,
                 entity: str | None, notes: str | None, tags: tuple[str, ...],
                 group: str | None, job_type: str | None, config: dict[str, Any],
                 allow_val_change: bool, mode: str, dir: str, starting_step: int = 0,
                 resumed: bool = False, summary: dict[str, Any] | None = None,
                 url: str | None = None, settings: Any = None, cell: str | None = None
                 ) -> None:
        self._store = store
        self._rid = rid
        self._id = id
        self._name = name
        self._project = project
        self._entity = entity
        self._notes = notes
        self._tags = tags
        self._group = group
        self._job_type = job_type
        self._mode = mode
        self._dir = dir
        self._url = url
        self._starting_step = starting_step
        self._resumed = resumed
        self._state = "running"
        self._step = starting_step
        self._pending: dict[str, Any] | None = None
        self._pending_at = 0.0
        self._finished = False
        self._error: dict[str, Any] = {}
        self.settings = settings
        self._cell = cell
        self._logged: dict[str, Any] = dict(summary or {})
        self._own_keys: set[str] = set()  # logged here, not mirrored (see own_keys)
        self._summary = Summary(self._logged, on_change=self._summary_changed,
                                guard=lambda: self._refuse_if_finished("summary"),
                                tail=self._tail, settle=self._close_block)
        self._writer = get_writer()
        self._channel = Channel(store, rid, self._summary.snapshot, run_id=id)
        self._channel.last_step = starting_step - 1
        self._queue = self._channel.rows
        self._config = Config(config, allow_val_change=allow_val_change,
                              on_change=lambda data: self._channel.set_meta(config=data),
                              guard=lambda: self._refuse_if_finished("config"))
        self._writer.register(self._channel)

    # -- logging ------------------------------------------------------------------------------
    def log(self, data: dict[str, Any], step: int | None = None, commit: bool | None = None
            ) -> None:
        """Record ``data`` at the current step (see the contract for ``step`` and ``commit``)."""
        # The common call (a flat dict with the keys, in the same order, and the value types of
        # the call before, no step/commit) is one extend of the open block's values and one
        # append of the time: no copy, no step and no summary update per call (see
        # store.channel). Everything else, and every error message, is in _log_slow. (The
        # values view is taken once: that saves about what the clock read costs.)
        if (step is None and commit is None and type(data) is dict and tuple(data) == self._shape
                and tuple(map(type, vals := data.values())) == self._types
                and (self._any_size or _storable_flat(data))):
            self._stamp(_clock())  # the time first: a row the writer sees whole has its time
            self._extend(vals)
            step = self._step = self._step + 1
            if not step & BACKLOG_CHECK:
                self._backlog()
            return
        self._log_slow(data, step, commit)

    _plugins: list = []  # set by attach_plugins once the run is open

    _orphaned = False  # set in a forked child for the runs it inherited

    def _log_slow(self, data: Any, step: Any, commit: Any) -> None:
        if self._orphaned:
            raise UsageError(
                f"log: run {self._id!r} belongs to process {self._channel.pid}, the parent of "
                "this forked process; start a run here with nbrun.init()")
        if self._finished:
            raise UsageError(f"log: run {self._id!r} is finished; start another with nbrun.init()")
        if commit is not None and not isinstance(commit, bool):
            raise UsageError(f"log: commit must be True, False or None, got {commit!r}")
        media: list[str] = []
        flat = values.flatten_log(data, media=media)
        if step is not None:
            step = _check_step(step)
            if step < self._step:
                warnings.warn(
                    f"log: step {step} is lower than the current step {self._step} of run "
                    f"{self._id!r}; this data was dropped", UserWarning, stacklevel=3)
                return
            if step > self._step:
                self._close_block()
                self._commit()
                self._step = step
        if (step is None and commit is None and self._pending is None and data
                and type(data) is dict and _storable_flat(data)):
            # A flat row of plain values (its keys were just checked): the following calls
            # of the same shape take the fast path.
            self._open_block(data)
            return
        self._close_block()
        if media:
            self._media_row = True  # the row's media go to the encoder when it is committed
        if self._pending is None:
            self._pending = flat
        else:
            self._pending.update(flat)
        self._pending_at = _clock()  # a row's time is that of the last call that added to it
        self._logged.update(flat)
        self._own_keys.update(flat)
        if commit or (commit is None and step is None):
            self._commit()

    _media_row = False  # the pending row holds media values (rich.RichValue)
    _media = None  # the run's media state, once it logged media (owned by nbrun.media)

    def _commit(self) -> None:
        """Close the row at the current step and move to the next one."""
        if self._pending is not None:
            media = None
            if self._media_row:
                # Its media go to the encoder; the row still reaches the writer, even with no
                # plain value left, so the run's last step covers the media's steps. The row
                # is queued first: the encoder commits a step's media after its row.
                self._media_row = False
                media = rich.take(self._pending)
            if self._pending or media:
                if self._over_limit():
                    self._channel.dropped += 1
                else:
                    self._pending[STEP] = self._step
                    self._pending[WALL] = self._pending_at
                    self._queue.append(self._pending)
                    self._channel.appended += 1
            if media:
                rich.queue(self, media, self._step)
            self._pending = None
            self._step += 1

    def _summary_changed(self) -> None:
        with self._channel.lock:
            self._channel.summary_dirty = True

    # -- finishing ----------------------------------------------------------------------------
    def finish(self, exit_code: int | None = None) -> None:
        """Flush everything logged and mark the run finished (0/None) or failed (non-zero)."""
        if self._finished:
            return
        if exit_code is not None and (not isinstance(exit_code, int) or
                                      isinstance(exit_code, bool)):
            raise UsageError(f"finish: exit_code must be an int or None, got {exit_code!r}")
        if self._orphaned:
            return  # a forked child's copy of its parent's run: the parent finishes it
        plugins.call(self._plugins, "finishing", self)
        watching.finishing(self)  # the hooks go before the last row is closed
        self._close_block()
        self._commit()
        if self._media is not None:
            rich.finishing(self)  # stored before the final state, as the rows are
        state = "failed" if exit_code else "finished"
        # From here the run is final whatever happens (a KeyboardInterrupt, a store that
        # cannot be written): nothing more can be logged to it, and the writer commits the
        # final state with the last rows, in the background if this call is interrupted.
        self._finished = True
        self._state = state
        try:
            report = self._writer.close(self._channel, state, exit_code, {})
        finally:
            registry.forget(self)
        if report:
            warnings.warn(_unstored_message(self._id, report), UserWarning, stacklevel=2)
        plugins.call(self._plugins, "finished", self)

    def __enter__(self) -> "Run":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            self.record_error(failure.describe(exc_type, exc, tb, "the with block"))
        self.finish(exit_code=1 if exc_type is not None else 0)
        return False

    def record_error(self, error: dict[str, Any]) -> None:
        """Keep ``error`` (see ``sdk/failure.py``) as why the run failed, or as the last error
        raised while it was active (a notebook cell's)."""
        if not self._finished:
            self._error = error
            self._channel.set_meta(error=error)

    @property
    def error(self) -> dict[str, Any]:
        """The error recorded with the run (``{}`` when none): the exception that ended it, or
        the last one a notebook cell raised while it was active."""
        return self._error

    # -- attributes ---------------------------------------------------------------------------
    id = property(lambda self: self._id, doc="the run id")
    project = property(lambda self: self._project)
    entity = property(lambda self: self._entity)
    group = property(lambda self: self._group)
    job_type = property(lambda self: self._job_type)
    config = property(lambda self: self._config)
    summary = property(lambda self: self._summary)
    dir = property(lambda self: self._dir, doc="the run's folder for files")
    path = property(lambda self: "/".join(p for p in (self._entity, self._project, self._id) if p),
                    doc="entity/project/id (project/id without an entity)")
    url = property(lambda self: self._url, doc="the run's page on the tracking server (online)")
    step = property(lambda self: self._step, doc="the step the next log() writes to")
    starting_step = property(lambda self: self._starting_step)
    resumed = property(lambda self: self._resumed)
    state = property(lambda self: self._state)
    mode = property(lambda self: self._mode)

    @property
    def name(self) -> str:
        return self._name

    def _refuse_if_finished(self, what: str) -> None:
        """A finished run's record is settled: a change now would never be stored."""
        if self._finished:
            raise UsageError(
                f"{what}: run {self._id!r} is finished, so its {what} can no longer change; "
                f"resume it first (nbrun.init(id={self._id!r}, resume='allow')) or start another "
                "run")

    @name.setter
    def name(self, value: str) -> None:
        self._refuse_if_finished("name")
        self._name = rules.check_text(value, "name", rules.TEXT_MAX)
        self._channel.set_meta(name=self._name)

    @property
    def notes(self) -> str | None:
        return self._notes

    @notes.setter
    def notes(self, value: str | None) -> None:
        self._refuse_if_finished("notes")
        self._notes = None if value is None else rules.check_text(value, "notes")
        self._channel.set_meta(notes=self._notes)

    @property
    def tags(self) -> tuple[str, ...]:
        return self._tags

    @tags.setter
    def tags(self, value: Any) -> None:
        self._refuse_if_finished("tags")
        self._tags = rules.check_tags(value)
        self._channel.set_meta(tags=list(self._tags))

    def __repr__(self) -> str:
        return (f"<nbrun.Run {self._name} id={self._id} project={self._project} "
                f"state={self._state} step={self._step}>")


def restore_metrics(run: Run, definitions: dict[str, Any]) -> None:
    """The define_metric() definitions a resumed, rewound or forked run carries over."""
    if definitions:
        run._metrics().restore(definitions)


def abandon(run: Run) -> None:
    """Forget a run whose opening is being rolled back: nothing of it may reach the store."""
    run._finished = True
    run._close_block()
    run._writer.discard(run._channel)
    registry.forget(run, finished=False)


def attach_plugins(run: Run, wanted: list) -> None:
    """Start the plugins (sync, integrations) that this run asked for; they hear of its
    finish too."""
    run._plugins = wanted
    plugins.call(wanted, "start", run)


def history_since(run: Run, cursor: int = 0) -> tuple[list[tuple[str, Any, Any]], int]:
    """What the run has committed to its store since ``cursor`` (0: everything); for live
    views that must not touch ``log()``'s path."""
    return run._store.tail(run._rid, cursor)


def mirror(run: Run, points: mirrored.Points, offsets: dict[str, tuple[int, dict]],
           keys: dict[str, str] | None = None, unstored: list[dict[str, Any]] | None = None
           ) -> None:
    """Commit points that carry their own steps (TensorBoard's) with the read offsets of the
    files they came from, the keys chosen for new tags and what could not be mirrored (see
    ``store.mirror``); the run's own step is left alone. Each key's value at its highest step
    joins the summary."""
    mirrored.write(run._store, run._rid, points, offsets, keys, unstored)
    latest = {key: values[max(range(len(steps)), key=steps.__getitem__)]
              for key, (steps, values) in points.items() if steps}
    if latest and not run._finished:
        run._close_block()
        run._logged.update(latest)
        run._summary_changed()


def mirror_offsets(run: Run) -> dict[str, tuple[int, dict]]:
    """What ``mirror`` recorded for this run so far (path -> (bytes read, info)). A fork that
    mirrored nothing yet starts where its source stopped: it already holds the source's points
    up to the fork step, and the source's later points are not its own."""
    own = mirrored.offsets(run._store, run._rid)
    if own:
        return own
    parent = _fork_source(run)
    return mirrored.offsets(run._store, parent) if parent is not None else own


def mirror_keys(run: Run) -> tuple[dict[str, str], list[str]]:
    """The key chosen so far for each mirrored tag (tag -> key; a fork that mirrored nothing
    yet has its source's), and the keys of the run's history."""
    store = run._store
    chosen = mirrored.keys(store, run._rid)
    parent = None if chosen else _fork_source(run)
    if parent is not None:
        chosen = mirrored.keys(store, parent)
    return chosen, store.history_keys(run._rid)


def _fork_source(run: Run) -> int | None:
    """The row of the run this one was forked from, if any."""
    row = run._store.get(run._id)
    source = row.lineage.get("forked_from") if row is not None else None
    parent = run._store.get(source["id"]) if isinstance(source, dict) else None
    return None if parent is None else parent.rid


def own_keys(run: Run) -> set[str]:
    """The keys this process has logged to the run with ``log()`` (the run's live set: test
    membership, never change it)."""
    return run._own_keys


def set_url(run: Run, url: str | None) -> None:
    """The run's page on the tracking server, once the server run exists (online mode)."""
    run._url = url


def sync_status(run: Run) -> dict[str, Any] | None:
    """The run's sync state (``syncstate.describe``) when it is online or was ever synced."""
    status = syncstate.status_of(run._store, run._rid)
    if status is None or (run._mode != "online" and status["server_run_id"] is None):
        return None
    return status


def channel_of(run: Run) -> Channel:
    """The run's queue to the writer, for the media encoder (which commits next to it)."""
    return run._channel


def media_state(run: Run) -> Any:
    """What ``nbrun.media`` keeps for the run once it logged media (None before)."""
    return run._media


def attach_media(run: Run, state: Any) -> None:
    run._media = state


def store_and_rid(run: Run) -> tuple[Store, int]:
    """The store a run writes to and its row there (for the syncer, which reads the store)."""
    return run._store, run._rid


def store_path(run: Run) -> str:
    return run._store.path


def started_by_cell(run: Run) -> str | None:
    """The notebook cell (see ``cells.current_cell_key``) whose execution started the run."""
    return run._cell


def finish_replaced(run: Run) -> None:
    """Finish a run because its cell ran again; one that logged nothing is hidden from
    listings, since it was a false start rather than an experiment."""
    if run._step == run._starting_step and run._pending is None and not run._logged:
        run._channel.set_meta(hidden=1)
    run.finish()


def _unstored_message(run_id: str, report: dict[str, Any]) -> str:
    items = report.get("items") or []
    shown = "; ".join(f"{i['key']!r} at step {i['step']}: {i['reason']}" for i in items[:3])
    return (f"run {run_id!r}: {report['count']} logged value(s) could not be stored and were "
            f"set aside (listed on the run as 'unstored'){': ' + shown if shown else ''}")


def _orphan(run: Run) -> None:
    """In a forked child: the inherited run is the parent's; the child never writes it, and
    its locks (perhaps held by the parent's threads at the fork) are replaced."""
    run._orphaned = True
    run._close_block()
    run._channel.lock = threading.Lock()


registry.on_fork(_orphan)


def _check_step(step: Any) -> int:
    if type(step).__module__ == "numpy" and hasattr(step, "item"):
        step = step.item()
    if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= _MAX_STEP:
        raise UsageError(f"log: step must be a non-negative integer, got {step!r}")
    return step
