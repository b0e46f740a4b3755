"""Finding stores: a bounded, breadth-first search under the server's root folder, the one store
the root folder lies in (the store a kernel started there writes to), and the configured extra
folders."""

from __future__ import annotations

import os
from collections import deque
from typing import Iterable

from ..store.database import DB_NAME
from ..store.location import STORE_DIRNAME, find_git_root, find_store_root

# Folders that never hold a user's store but can hold a great many subfolders.
SKIPPED = frozenset({"node_modules", "__pycache__", "site-packages"})


def is_store(folder: str) -> bool:
    """Whether ``folder`` (a ``.nbrun`` folder) holds a store database."""
    return os.path.isfile(os.path.join(folder, DB_NAME))


def search(root_dir: str, depth: int, max_folders: int) -> list[str]:
    """Real paths of the ``.nbrun`` folders at most ``depth`` levels below ``root_dir``.

    Hidden folders other than ``.nbrun`` and the folders in SKIPPED are not entered, and
    symbolic links are never followed, so the search stays inside ``root_dir``. At most
    ``max_folders`` folders are read.
    """
    found: list[str] = []
    queue: deque[tuple[str, int]] = deque([(os.path.realpath(root_dir), 0)])
    visited = 0
    while queue and visited < max_folders:
        folder, level = queue.popleft()
        visited += 1
        try:
            with os.scandir(folder) as entries:
                subfolders = []
                for entry in entries:
                    try:
                        if not entry.is_dir(follow_symlinks=False):
                            continue
                    except OSError:
                        continue
                    if entry.name == STORE_DIRNAME:
                        if is_store(entry.path):
                            found.append(entry.path)
                    elif level < depth and not entry.name.startswith(".") \
                            and entry.name not in SKIPPED:
                        subfolders.append(entry.path)
        except OSError:  # unreadable or vanished meanwhile
            continue
        queue.extend((path, level + 1) for path in sorted(subfolders))
    return found


def enclosing_store(root_dir: str) -> str | None:
    """Real path of the store that ``init()`` picks when started in ``root_dir`` without
    ``dir=``: the nearest ``.nbrun`` folder upwards, else the git root's; None until it holds a
    database.

    ``jupyter lab notebooks/x.ipynb`` serves ``notebooks/``, while a kernel there writes to the
    project's store above it; this is the one folder outside the root that is read, and only
    that store, never its neighbours.
    """
    root = os.path.realpath(root_dir)
    # find_store_root checks for a .nbrun folder only: a nearer one without a database still
    # is where init() writes, so no store further up is taken in its place.
    folder = find_store_root(root) or find_git_root(root)
    if folder is None:
        return None
    path = os.path.realpath(os.path.join(folder, STORE_DIRNAME))
    return path if is_store(path) else None


def extra_stores(paths: Iterable[str], root_dir: str) -> list[str]:
    """Real paths of the stores in configured folders (each the folder holding ``.nbrun/``,
    or the ``.nbrun`` folder itself)."""
    found = []
    for raw in paths:
        path = os.path.join(root_dir, os.path.expanduser(raw))
        if os.path.basename(os.path.normpath(path)) != STORE_DIRNAME:
            path = os.path.join(path, STORE_DIRNAME)
        path = os.path.realpath(path)
        if is_store(path):
            found.append(path)
    return found


def display_path(store_path: str, root_dir: str) -> str:
    """The store's path relative to the root folder when inside it, else absolute."""
    root = os.path.realpath(root_dir)
    try:
        inside = os.path.commonpath([root, store_path]) == root
    except ValueError:
        inside = False
    return os.path.relpath(store_path, root) if inside else store_path
