"""The run's artifact and file methods: ``log_artifact``, ``use_artifact``, ``log_model``,
``use_model`` and ``save``. Each delegates to ``nbrun.artifacts`` (the layer above the sdk),
imported on first use, so a run that logs no artifact never loads it."""

from __future__ import annotations

from typing import Any

from ..errors import UsageError


class ArtifactMethods:
    """Mixed into ``Run``."""

    _plugins: list
    id: str
    state: str

    def log_artifact(self, artifact_or_path: Any, name: str | None = None,
                     type: str | None = None, aliases: Any = None, tags: Any = None) -> Any:
        """Log an ``nbrun.Artifact`` (or a file, folder or URI as one) as an output of this
        run: a new version when its content is new, else the existing version. ``aliases``
        (and always ``latest``) move to it. Returns the logged artifact."""
        from ..artifacts import runs

        return runs.log_artifact(self, artifact_or_path, name, type, aliases, tags)

    def use_artifact(self, artifact_or_name: Any, type: str | None = None, aliases: Any = None,
                     use_as: str | None = None) -> Any:
        """Declare a version (``"name"``, ``"name:v3"``, ``"name:best"``,
        ``"project/name:alias"`` or an Artifact) an input of this run; returns it
        (``download()`` it to read its files)."""
        from ..artifacts import runs

        return runs.use_artifact(self, artifact_or_name, type, aliases, use_as)

    def log_model(self, path: Any, name: str | None = None, aliases: Any = None) -> Any:
        """Log a file or folder as a ``model`` artifact of this run."""
        from ..artifacts import runs

        return runs.log_model(self, path, name, aliases)

    def use_model(self, name: str) -> str:
        """Use a model artifact and download it; the path of its file (or folder)."""
        from ..artifacts import runs

        return runs.use_model(self, name)

    def save(self, glob_str: Any, base_path: Any = None, policy: str = "live") -> list[str]:
        """Keep files with the run (under ``files/`` in its folder): ``now`` copies them at
        once, ``end`` when the run finishes, ``live`` at once and again whenever they change
        until the run finishes. Returns the paths of the copies."""
        from ..artifacts import savefiles

        if self.state != "running":
            raise UsageError(f"save: run {self.id!r} is {self.state}; files are saved with a "
                             "running run (resume it first)")
        if "_plugins" not in vars(self):  # the class's shared empty list: this run's own copy
            self._plugins = list(self._plugins)
        return savefiles.save(self, self._plugins, glob_str, base_path, policy)
