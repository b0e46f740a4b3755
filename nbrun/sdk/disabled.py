"""The run of ``mode="disabled"``: every call works, nothing is written, nothing costs."""

from __future__ import annotations

from typing import Any

from .. import validation as rules
from ..errors import UsageError
from . import registry
from .config import Config
from .summary import Summary


class DisabledRun:
    """Accepts the whole ``Run`` surface and does nothing with it."""

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
        self.summary = Summary({})
        self.dir = None
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

    def log(self, data: Any = None, step: Any = None, commit: Any = None) -> None:
        pass

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
