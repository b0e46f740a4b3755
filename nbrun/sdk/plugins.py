"""Where the layers above the sdk (online sync, integrations) join a run's life.

The sdk never imports upward: ``nbrun/__init__.py`` registers each plugin by module path with the
rule that says which runs want it, and the module is imported only when a run does, so
``import nbrun`` stays light and a run that asks for nothing loads nothing.

A plugin module may define any of:

- ``negotiate(settings, mode, root) -> mode``: before the run is opened (the one place a plugin
  may refuse the run with an nbrun error, or change the mode, e.g. fall back to offline);
- ``start(run)``: after the run's opening committed;
- ``finishing(run)``: inside ``finish()``, before the final flush (last data in);
- ``finished(run)``: after the final state is committed.

and, once per process, ``exiting()``: at interpreter exit, after the runs still active were
finished and their rows written (online mode waits there for its runs to reach the server).

A failure in ``start``/``finishing``/``finished``/``exiting`` is reported and never breaks the run.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any, Callable

Wanted = Callable[[Any, str], bool]  # (settings, mode) -> does this run want the plugin?

_registered: list[tuple[str, Wanted]] = []


def register(module: str, wanted: Wanted) -> None:
    """Make ``module`` a plugin of every run for which ``wanted(settings, mode)`` holds."""
    if all(name != module for name, _ in _registered):
        _registered.append((module, wanted))


def for_run(settings: Any, mode: str) -> list[ModuleType]:
    """The plugin modules a run with these settings and mode wants (imported now)."""
    return [importlib.import_module(name) for name, wanted in _registered
            if wanted(settings, mode)]


def negotiate(settings: Any, mode: str, root: str) -> str:
    """Let each wanted plugin check the run before it opens; the mode it will run in."""
    for plugin in for_run(settings, mode):
        check = getattr(plugin, "negotiate", None)
        if check is not None:
            mode = check(settings, mode, root)
    return mode


def at_exit() -> None:
    """Call ``exiting()`` of each plugin module a run of this process loaded."""
    for name, _wanted in _registered:
        hook = getattr(sys.modules.get(name), "exiting", None)
        if hook is None:
            continue
        try:
            hook()
        except Exception as exc:  # exit must go on
            print(f"nbrun: {name}.exiting failed: {exc}", file=sys.stderr)


def call(plugins: list[ModuleType], event: str, run: Any) -> None:
    for plugin in plugins:
        hook = getattr(plugin, event, None)
        if hook is None:
            continue
        try:
            hook(run)
        except Exception as exc:  # a plugin must never cost the run its data or its state
            print(f"nbrun: {plugin.__name__}.{event} failed for run {run.id}: {exc}",
                  file=sys.stderr)
