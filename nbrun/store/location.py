"""Where the store lives: the one rule that ``init()``, ``Api``, the form's catalog, ``%nbrun``
and the ``nbrun`` command all follow.

Highest first: ``dir=``; ``dir`` of ``settings=``; ``NBRUN_DIR`` (else ``WANDB_DIR``); ``dir`` in
the project settings file, then in the user settings file; the nearest ancestor of the working
folder holding a ``.nbrun/`` folder; the git root; the working folder. The same order as every other
setting (see ``nbrun.settings``), with the discovered folder as the default.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any, Mapping, NamedTuple

from .. import settings as settings_mod
from .. import validation as rules
from ..settings import STORE_DIRNAME

__all__ = ["STORE_DIRNAME", "StoreLocation", "find_store_root", "locate_store", "store_root"]


class StoreLocation(NamedTuple):
    root: str  # the folder whose .nbrun/ holds the store
    settings_root: str  # the folder whose .nbrun/settings.yaml is the project settings file


def _ancestors(start: str):
    path = os.path.abspath(start)
    while True:
        yield path
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent


def find_store_root(start: str | None = None) -> str | None:
    """The nearest ancestor of ``start`` holding a ``.nbrun/`` folder, or None."""
    for path in _ancestors(start or os.getcwd()):
        if os.path.isdir(os.path.join(path, STORE_DIRNAME)):
            return path
    return None


def find_git_root(start: str | None = None) -> str | None:
    for path in _ancestors(start or os.getcwd()):
        if os.path.exists(os.path.join(path, ".git")):
            return path
    return None


def _given_dir(dir: Any, settings: Any) -> str | None:
    """The folder named by ``dir=``, ``settings=`` or ``NBRUN_DIR`` (else the contract tracker's
    ``WANDB_DIR``): these outrank the files."""
    if dir is not None:
        return rules.check_dir(dir, "dir")
    raw = settings.get("dir") if isinstance(settings, Mapping) else getattr(settings, "dir", None)
    if raw is not None:
        return rules.check_dir(raw, "settings dir")
    found = settings_mod.env_text("dir")
    return rules.check_dir(found[1], found[0]) if found else None


def _file_dir(settings_root: str) -> str | None:
    """``dir`` of the project settings file, else of the user settings file."""
    for path in reversed(settings_mod.settings_files(settings_root)):
        value = settings_mod.read_file(path).get("dir")
        if value is None:
            continue
        # Validated as init() validates the file, so a bad value reads the same everywhere; an
        # empty one, like an absent one, leaves the discovered folder.
        checked = settings_mod.Settings().update({"dir": value},
                                                 source=f"settings file {path}").dir
        return rules.check_dir(checked, "dir") if checked else None
    return None


def locate_store(dir: Any = None, settings: Any = None, start: str | None = None
                 ) -> StoreLocation:
    """Where the store is, for ``init(dir=, settings=)`` or a reader given ``dir``; ``start``
    is the working folder to discover it from (default: this process's), for the server
    working out where a kernel started in a notebook's folder writes."""
    given = _given_dir(dir, settings)
    if given is not None:
        return StoreLocation(given, given)
    here = os.path.abspath(start) if start is not None else os.getcwd()
    found = find_store_root(here) or find_git_root(here) or here
    return StoreLocation(_file_dir(found) or found, found)


def store_root(dir: Any = None) -> str:
    """The folder whose ``.nbrun/`` holds the store ``init(dir=dir)`` would write to."""
    return locate_store(dir).root


def store_key(store_path: str) -> str:
    """The short, stable key the server's REST API names a store by: 12 hex digits of the
    sha256 of its ``.nbrun`` folder's real path (the run card asks the server about its run
    with it)."""
    return hashlib.sha256(store_path.encode("utf-8", "surrogateescape")).hexdigest()[:12]
