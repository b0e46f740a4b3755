"""The run of ``mode="disabled"``: every call works, nothing is written, nothing costs."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from typing import Any

from .. import validation as rules
from ..errors import UsageError
from . import alerts, metrics, registry, values
from .config import Config
from .summary import Summary


class DisabledRun:
    """Accepts the whole ``Run`` surface and does nothing with it; its summary still follows
    ``log()`` and takes what is set by hand, so code that reads it back works unchanged."""

    def __init__(self, id: str, name: str, project: str, config: dict[str, Any],
                 tags: tuple[str, ...] = (), notes: str | None = None,
                 group: str | None = None, job_type: str | None = None,
                 entity: str | None = None) -> None:
        self.id = id
        self.name = name
        self.project = project
        self.entity = entity
        self.notes = notes
        self.tags = tags  # type: ignore[assignment]  # the property's setter makes a tuple
        self.group = group
        self.job_type = job_type
        self.config = Config(config, allow_val_change=True)
        self._logged: dict[str, Any] = {}
        self.summary = Summary(self._logged)
        self._dir: str | None = None
        self.url = None
        self.step = 0
        self.starting_step = 0
        self.resumed = False
        self.state = "running"
        self.mode = "disabled"
        self.settings = None

    @property
    def tags(self) -> tuple[str, ...]:
        return self._tags

    @tags.setter
    def tags(self, value: Any) -> None:
        self._tags = rules.check_tags(value)  # a tuple, as on every other run

    @property
    def path(self) -> str:
        return "/".join(p for p in (self.entity, self.project, self.id) if p)

    @property
    def dir(self) -> str:
        """A temporary folder, made on first use (so that code saving files into ``run.dir``
        works) and removed when the process exits: a disabled run keeps nothing."""
        if self._dir is None:
            self._dir = tempfile.mkdtemp(prefix=f"nbrun-disabled-{self.id}-")
            atexit.register(shutil.rmtree, self._dir, True)
        return self._dir

    def log(self, data: Any = None, step: Any = None, commit: Any = None) -> None:
        if isinstance(data, dict):
            _keep_scalars(data, "", self._logged, 0)
        if isinstance(step, int) and not isinstance(step, bool) and step > self.step:
            self.step = step
        if commit is not False:
            self.step += 1

    def define_metric(self, name: str, step_metric: Any = None, step_sync: bool | None = None,
                      hidden: bool | None = None, summary: str | None = None,
                      goal: str | None = None, overwrite: bool | None = None
                      ) -> metrics.Metric:
        given = metrics.check(name, step_metric, step_sync, hidden, summary, goal, overwrite)
        return metrics.as_metric(name, metrics.merge(None, given, True))

    def alert(self, title: str, text: str, level: Any = None, wait_duration: Any = None) -> None:
        alerts.check(title, text, level, wait_duration)

    def watch(self, models: Any = None, criterion: Any = None, log: Any = "gradients",
              log_freq: Any = 1000, idx: Any = None, log_graph: Any = False) -> list:
        return []

    def unwatch(self, models: Any = None) -> None:
        pass

    def finish(self, exit_code: Any = None) -> None:
        self.state = "failed" if exit_code else "finished"
        registry.forget(self)

    # -- artifacts and files: accepted, nothing stored -------------------------------------
    def log_artifact(self, artifact_or_path: Any, name: str | None = None,
                     type: str | None = None, aliases: Any = None, tags: Any = None) -> Any:
        from ..artifacts import Artifact

        if isinstance(artifact_or_path, Artifact):
            return artifact_or_path
        return Artifact(name or "artifact", type or "unspecified")

    def log_model(self, path: Any, name: str | None = None, aliases: Any = None) -> Any:
        return self.log_artifact(path, name=name, type="model")

    def use_artifact(self, artifact_or_name: Any, type: str | None = None, aliases: Any = None,
                     use_as: str | None = None) -> Any:
        from ..artifacts import Artifact

        if isinstance(artifact_or_name, Artifact):
            return artifact_or_name
        name = str(artifact_or_name).split(":")[0].rsplit("/", 1)[-1] or "artifact"
        return Artifact(name, type or "unspecified")

    def use_model(self, name: str) -> str:
        raise UsageError(f"use_model({name!r}): a run of mode='disabled' reads and stores "
                         "nothing, so there is no model to download; use mode='offline'")

    def save(self, glob_str: Any = None, base_path: Any = None, policy: str = "live"
             ) -> list[str]:
        return []

    def __enter__(self) -> "DisabledRun":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.finish(1 if exc_type is not None else 0)
        return False

    def __repr__(self) -> str:
        return f"<nbrun.Run (disabled) {self.name} id={self.id}>"


def _keep_scalars(data: dict, prefix: str, out: dict[str, Any], depth: int) -> None:
    """The summary's share of a disabled run's ``log()``: scalar values under their flat keys.
    Anything else (media, objects) is passed over, as a disabled run refuses nothing."""
    if depth > values.MAX_LOG_DEPTH:
        return
    for key, value in data.items():
        if not isinstance(key, str):
            continue
        if isinstance(value, dict):
            _keep_scalars(value, prefix + key + "/", out, depth + 1)
            continue
        try:
            out[prefix + key] = values.log_value(value, prefix + key)
        except Exception:
            continue
