"""``nbrun.Api``: reading runs back from a store, for analysis in a notebook and for tests."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Sequence

from .. import validation as rules
from ..errors import UsageError, did_you_mean
from ..store import RunRow, Store, get_writer, mediaindex, runfiles, search, store_root
from ..store import alerts as stored_alerts
from ..store import system as stored_system
from ..store.filters import RunFilter
from ..store.states import RUN_STATES
from ..store.records import RECORD_FIELDS
from . import registry, rich
from .summary import SummaryDict


class History(list):
    """History rows (``{"_step": n, key: value}``) with a pandas conversion."""

    def to_pandas(self):
        import pandas as pd

        # An empty history still has its _step column, so df["_step"] works on a new run.
        return pd.DataFrame(list(self), columns=None if self else ["_step"])


@dataclass
class RunFile:
    """A file in a run's folder: ``path`` relative to it (``/``-separated), ``local_path`` on
    this machine, and for media what was recorded with it (a video's ``episode``, the run's
    ``step`` and the environment's ``env_step`` where its recording started)."""

    path: str
    size: int
    local_path: str
    kind: str = "file"
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def episode(self) -> int | None:
        return self.info.get("episode")

    @property
    def step(self) -> int | None:
        return self.info.get("step")


class RunRecord:
    """One stored run, as it was when read: the record's fields (``records.RECORD_FIELDS``),
    ``tags`` as a tuple, and ``dir``, the run's folder. ``unstored`` holds the logged values
    the writer could not store, and what ``sync_tensorboard`` skipped in damaged event files
    (the file as its key): ``{"count": n, "items": [{key, step, reason}, ...]}``, empty when
    everything was stored."""

    def __init__(self, store: Store, row: RunRow) -> None:
        self._store = store
        self._row = row
        for name in RECORD_FIELDS:
            setattr(self, name, getattr(row, name))
        self.tags = tuple(row.tags)
        self.path = "/".join(p for p in (row.entity, row.project, row.id) if p)
        self.hidden = bool(row.hidden)
        self.dir = store.run_dir(row.id)
        # summary["loss"] also reads the loss/... keys back, nested
        self.summary = SummaryDict(rich.decode_values(row.summary, self.dir))

    def history(self, keys: Sequence[str] | None = None, stream: str = "default") -> History:
        """Rows in step order; each has ``_step`` and the values logged at that step (media
        as their objects: an ``nbrun.Image`` with its ``path``, a ``Table``...).

        ``stream="system"``: the system metrics instead, one row per sample in time order,
        each with ``_timestamp`` (seconds since the epoch), ``_runtime`` (seconds since the
        run was created) and ``system/...`` values; ``keys`` keeps only those named."""
        if isinstance(keys, str):
            keys = [keys]
        if stream == "system":
            return self._system_history(keys)
        if stream != "default":
            raise UsageError(f"history: stream must be 'default' or 'system', got {stream!r}")
        rows = self._store.history(self._row.rid, keys)
        if mediaindex.has_media(self._store, self._row.rid):
            rows = [rich.decode_values(row, self.dir) for row in rows]
        return History(rows)

    def _system_history(self, keys: Sequence[str] | None) -> History:
        rows = []
        wanted = None if keys is None else set(keys)
        for _seq, at, values in stored_system.read(self._store, self._row.rid):
            if wanted is not None:
                values = {k: v for k, v in values.items() if k in wanted}
            rows.append({"_timestamp": at, "_runtime": at - self._row.created_at, **values})
        return History(rows)

    def keys(self) -> list[str]:
        """The history keys of this run."""
        return self._store.history_keys(self._row.rid)

    def alerts(self) -> list[dict[str, Any]]:
        """The run's alerts (``run.alert()``), oldest first: ``{time, step, level, title,
        text, suppressed}``, ``suppressed`` counting the calls of that title that its
        ``wait_duration`` held back before it (the newest 200)."""
        return stored_alerts.of_run(self._store, self._row.rid)

    def files(self) -> list[RunFile]:
        """The files saved with the run (code, event files, videos...), sorted by path."""
        listed, _ = runfiles.list_files(self.dir, limit=100_000)
        media = runfiles.media(self.dir)
        out = []
        for item in listed:
            path, size = str(item["path"]), int(str(item["size"]))
            info = media.get(path, {})
            out.append(RunFile(path, size, os.path.join(self.dir, path),
                               info.get("kind", "file"), info))
        return out

    def logged_artifacts(self) -> list[Any]:
        """The artifact versions this run logged (``nbrun.Artifact``), in the order it did."""
        from ..artifacts import reading

        return reading.of_run(self._store, self._row.rid, "logged")

    def used_artifacts(self) -> list[Any]:
        """The artifact versions this run used, in the order it did (each one's
        ``asked_as`` is the version or alias it asked for)."""
        from ..artifacts import reading

        return reading.of_run(self._store, self._row.rid, "used")

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def __repr__(self) -> str:
        return f"<RunRecord {self.name} id={self.id} project={self.project} state={self.state}>"


class Api:
    """Read runs from the store at ``dir`` (default: the one ``init()`` writes to)."""

    def __init__(self, dir: str | os.PathLike | None = None) -> None:
        self.store = Store(store_root(dir))
        self.path = self.store.path

    def _sync_local(self) -> None:
        # Runs of this very process may have rows still queued: read what they logged.
        if registry.active():
            get_writer().flush()

    def runs(self, project: str | None = None, state: str | None = None,
             tags: Sequence[str] | None = None, include_hidden: bool = False
             ) -> list[RunRecord]:
        """Runs oldest first, filtered by project (or ``"entity/project"``), state and tags
        (all must be present). Runs replaced by re-running their cell before they logged
        anything are left out unless ``include_hidden``."""
        entity = None
        if project is not None and "/" in str(project):
            entity, project = _split_project_path(str(project))
        if state is not None:
            rules.check_choice(state, "state", RUN_STATES)
        if isinstance(tags, str):
            tags = [tags]
        self._sync_local()
        f = RunFilter(project=project, state=state, tags=tuple(tags or ()),
                      include_hidden=include_hidden)
        return [RunRecord(self.store, r) for r in search.rows(self.store, f)
                if entity is None or r.entity == entity]

    def run(self, path: str) -> RunRecord:
        """The run with id ``path``, or at ``"project/id"``, ``"entity/project/id"`` (also
        with ``runs/`` before the id, as in the contract tracker's run URLs)."""
        entity, project, run_id = _split_run_path(path)
        rules.check_id(run_id, "run_id")
        self._sync_local()
        row = self.store.get(run_id)
        if row is None:
            hint = did_you_mean(run_id, self.store.ids())
            raise UsageError(f"no run with id {run_id!r} in {self.path}{hint}")
        for what, wanted, actual in (("project", project, row.project),
                                     ("entity", entity, row.entity)):
            if wanted is not None and wanted != actual:
                raise UsageError(f"run {run_id!r} belongs to {what} {actual!r}, not {wanted!r} "
                                 f"(path {path!r}); give its own {what}, or the id alone")
        return RunRecord(self.store, row)

    def artifact(self, name: str, type: str | None = None) -> Any:
        """The artifact version ``"project/name:alias"`` names (``name:v3``, ``name:best``;
        the project may be left out when only one project has that name)."""
        from ..artifacts import reading

        self._sync_local()
        return reading.artifact(self.store, name, type)

    def artifacts(self, project: str | None = None, type: str | None = None,
                  name: str | None = None) -> list[Any]:
        """Every artifact version of ``project`` (all projects when None), of one ``type``
        and ``name`` when given, by name and version."""
        from ..artifacts import reading

        self._sync_local()
        return reading.artifacts(self.store, project, type, name)


def _split_run_path(path: Any) -> tuple[str | None, str | None, Any]:
    """``id``, ``project/id``, ``entity/project/id`` or ``entity/project/runs/id`` as
    (entity, project, id); ids, projects and entities never hold ``/``."""
    if not isinstance(path, str) or "/" not in path:
        return None, None, path
    parts = path.split("/")
    if len(parts) == 4 and parts[2] == "runs":
        parts = [parts[0], parts[1], parts[3]]
    if len(parts) > 3 or any(not part for part in parts):
        raise UsageError(f"run path {path!r} is not one of 'id', 'project/id', "
                         "'entity/project/id' or 'entity/project/runs/id'")
    entity = parts[0] if len(parts) == 3 else None
    return entity, parts[-2], parts[-1]


def _split_project_path(path: str) -> tuple[str | None, str]:
    parts = path.split("/")
    if len(parts) != 2 or not all(parts):
        raise UsageError(f"project {path!r} is not a project name or 'entity/project'")
    return parts[0], parts[1]
