"""Where the store lives: dir=, else the nearest .nbrun/ ancestor, else the git root, else cwd."""

from __future__ import annotations

import os

STORE_DIRNAME = ".nbrun"


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


def resolve_store_root(dir: str | None = None) -> str:
    """The folder whose ``.nbrun/`` holds the store a new run writes to."""
    if dir:
        return os.path.abspath(dir)
    return find_store_root() or find_git_root() or os.getcwd()
