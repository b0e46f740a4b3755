"""nbrun: a notebook-native experiment run tracker.

The public surface: ``init()`` and the module-level ``run``, ``config``, ``summary``, ``log`` and
``finish`` of the current global run; ``Settings``; ``Api`` to read runs back; the error classes;
``InitSpec`` and ``RunForm``, the media types (``Image``, ``Audio``, ``Video``, ``Html``,
``Plotly``, ``Table``, ``Histogram``), ``plot`` and ``Artifact`` (all loaded on first use) and the
current run's ``log_artifact``/``use_artifact``/``log_model``/``use_model``/``save``/
``define_metric``/``alert``; ``watch`` and ``unwatch`` of the current run;
``sklearn``, the scikit-learn charts (loaded on first use; the framework callbacks are in
``nbrun.integration.*``); the IPython, Jupyter server and JupyterLab
extension hooks.
"""

from __future__ import annotations

from typing import Any

from .errors import AuthenticationError, CommError, ConfigError, Error, UsageError
from .sdk import Api, Run, RunRecord, init
from .sdk.alerts import AlertLevel
from .sdk import plugins as _plugins
from .sdk import registry as _registry
from .sdk import rich as _rich
from .sdk import watching as _watching
from .server import _jupyter_server_extension_points as _jupyter_server_extension_points
from .server import _load_jupyter_server_extension as _load_jupyter_server_extension
from .settings import Settings

try:
    from ._version import __version__  # written by the build from js/package.json's version
except ImportError:  # a source folder put on sys.path over an install: that install's version
    from importlib.metadata import PackageNotFoundError as _NotInstalled
    from importlib.metadata import version as _installed_version

    try:
        __version__ = _installed_version("nbrun")
    except _NotInstalled:
        __version__ = "dev"

# Loaded only by runs that ask for them (see nbrun/sdk/plugins.py).
_plugins.register("nbrun.integration.tensorboard", lambda s, mode: bool(s.sync_tensorboard))
_plugins.register("nbrun.integration.gym", lambda s, mode: bool(s.monitor_gym))
# System metrics: every run samples them unless system_metrics_interval is 0 (the module
# imports nothing heavy; its thread loads psutil).
_plugins.register("nbrun.sdk.system", lambda s, mode: s.system_metrics_interval != 0)
# Online mode: imported only by a run whose mode is online.
_plugins.register("nbrun.sync.plugin", lambda settings, mode: mode == "online")
# Rich data: imported only when log() meets a value that is not a plain scalar, or a stored
# run holds media (see nbrun/sdk/rich.py).
_rich.register("nbrun.media.bridge")
# run.watch(): imported (with torch) when a model is first watched.
_watching.register("nbrun.integration.torch")

# The media types and nbrun.plot, loaded on first use (see __getattr__).
_MEDIA = ("Audio", "Histogram", "Html", "Image", "Plotly", "Table", "Video", "plot")

__all__ = [
    "AlertLevel",
    "Api",
    "Artifact",
    "Audio",
    "AuthenticationError",
    "CommError",
    "ConfigError",
    "Error",
    "Histogram",
    "Html",
    "Image",
    "InitSpec",
    "Plotly",
    "Run",
    "RunForm",
    "RunRecord",
    "Settings",
    "Table",
    "UsageError",
    "Video",
    "finish",
    "init",
    "load_ipython_extension",
    "log",
    "log_artifact",
    "login",
    "plot",
    "unwatch",
    "use_artifact",
    "watch",
]


def _require_run(what: str) -> Any:
    run = _registry.current()
    if run is None:
        raise UsageError(f"nbrun.{what}: there is no active run; call nbrun.init() first")
    return run


def log(data: dict[str, Any], step: int | None = None, commit: bool | None = None) -> None:
    """``log()`` on the current global run."""
    run = _registry.current()
    if run is None:
        _require_run("log")
    run.log(data, step=step, commit=commit)


def watch(models: Any, criterion: Any = None, log: str | None = "gradients",
          log_freq: int = 1000, idx: int | None = None, log_graph: bool = False) -> list:
    """``watch()`` on the current global run (see ``Run.watch``)."""
    return _require_run("watch").watch(models, criterion=criterion, log=log,
                                       log_freq=log_freq, idx=idx, log_graph=log_graph)


def unwatch(models: Any = None) -> None:
    """``unwatch()`` on the current global run."""
    _require_run("unwatch").unwatch(models)


def finish(exit_code: int | None = None) -> None:
    """Finish the current global run (nothing to do when there is none)."""
    run = _registry.current()
    if run is not None:
        run.finish(exit_code=exit_code)


def login(key: str | None = None, relogin: bool | None = None, host: str | None = None,
          force: bool | None = None, timeout: float | None = None, verify: bool = True,
          referrer: str | None = None, anonymous: str | None = None) -> bool:
    """Make sure runs can reach the tracking server: with none configured there is nothing to
    do (it says so, and returns False at once); else the stored or given credentials are
    checked, or asked for at a terminal. Never waits for input in a notebook kernel. True when
    the server takes this process's requests."""
    from .sync.session import login as session_login  # requests only when a server is used

    return session_login(key=key, relogin=relogin, host=host, force=force, timeout=timeout,
                         verify=verify, referrer=referrer, anonymous=anonymous)


def log_artifact(artifact_or_path: Any, name: str | None = None, type: str | None = None,
                 aliases: Any = None, tags: Any = None) -> Any:
    """``log_artifact()`` on the current global run."""
    return _require_run("log_artifact").log_artifact(artifact_or_path, name=name, type=type,
                                                     aliases=aliases, tags=tags)


def use_artifact(artifact_or_name: Any, type: str | None = None, aliases: Any = None,
                 use_as: str | None = None) -> Any:
    """``use_artifact()`` on the current global run."""
    return _require_run("use_artifact").use_artifact(artifact_or_name, type=type,
                                                     aliases=aliases, use_as=use_as)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "nbrun"}]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext nbrun``: the magics, run cards and code capture (loaded on first use, so
    ``import nbrun`` stays light)."""
    from .notebook import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from .notebook import unload_ipython_extension as unload

    unload(ipython)


def __getattr__(name: str) -> Any:
    # run, config and summary follow the current global run, so they cannot be plain globals.
    if name == "run":
        return _registry.current()
    if name in ("config", "summary"):
        run = _registry.current()
        return None if run is None else getattr(run, name)
    if name == "Artifact":  # the artifacts layer only when it is asked for
        from .artifacts import Artifact

        return Artifact
    if name in ("InitSpec", "RunForm"):  # ipywidgets only when the form is asked for
        from . import widgets

        return getattr(widgets, name)
    if name in _MEDIA:
        from . import media

        return getattr(media, name)
    if name == "sklearn":  # scikit-learn only when its charts are asked for
        import importlib

        return importlib.import_module(".sklearn", __name__)
    if name in _RUN_METHODS:
        return _current_run_method(name)
    from .tracker_gaps import refuse

    error = refuse(name)
    if error is not None:
        raise error
    raise AttributeError(f"module 'nbrun' has no attribute {name!r}")


# The tracker's module-level functions that act on the current run, as its own do.
_RUN_METHODS = ("save", "log_model", "use_model", "define_metric", "alert")


def _current_run_method(name: str) -> Any:
    def method(*args: Any, **kwargs: Any) -> Any:
        return getattr(_require_run(name), name)(*args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``{name}()`` on the current global run."
    return method
