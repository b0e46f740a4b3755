"""Which store a ``%%runinit`` cell that the sidebar writes into a notebook must name.

The sidebar lists the runs of every store under the server's root folder, but a kernel writes
to one: the store ``init()`` finds from the kernel's working folder, which Jupyter sets to the
notebook's folder, with ``NBRUN_DIR`` and the settings files of the user the server runs as (a
kernel inherits the server's environment). A cell that resumes, forks or rewinds a run of any
other store names that store's folder as ``dir:``, so it reaches that run and no other; a cell
for the kernel's own store names none, so the notebook stays portable. Where the kernel was
started differently (``%env NBRUN_DIR=...``), the cell's ``resume: must`` refuses a run the
kernel's store does not hold, naming the store it looked in, rather than starting a new one.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import UsageError
from ..store import locate_store
from .errors import bad_request


def notebook_folder(root_dir: str, notebook: str | None) -> str:
    """The folder a kernel for ``notebook`` (a path relative to the server's root folder, as
    JupyterLab names it) starts in; a path that leaves the root folder is refused."""
    if not notebook or "\x00" in notebook:
        raise bad_request("notebook: the notebook's path relative to the server's root folder "
                          "is needed (e.g. notebook=experiments/train.ipynb)")
    if os.path.isabs(notebook) or notebook.startswith(("/", "\\")):
        raise bad_request(f"notebook={notebook!r} is absolute; give the path relative to the "
                          "server's root folder")
    root = os.path.realpath(root_dir)
    folder = os.path.realpath(os.path.join(root, os.path.dirname(notebook)))
    if os.path.commonpath([root, folder]) != root:
        raise bad_request(f"notebook={notebook!r} is outside the server's root folder")
    # As Jupyter does (cwd_for_path): the nearest folder of the path that exists.
    while not os.path.isdir(folder) and folder != root:
        folder = os.path.dirname(folder)
    return folder


def kernel_store(folder: str) -> str | None:
    """The folder whose ``.nbrun/`` a kernel started in ``folder`` writes to without ``dir=``;
    None when its settings are invalid (the kernel would refuse them too)."""
    try:
        return os.path.realpath(locate_store(start=folder).root)
    except UsageError:
        return None


def cell_dir(store_root: str, root_dir: str, notebook: str | None) -> dict[str, Any]:
    """``dir``: what the cell names for the store at ``store_root`` (None: the kernel's own),
    and ``kernel_store``: where the notebook's kernel writes by default."""
    default = kernel_store(notebook_folder(root_dir, notebook))
    root = os.path.realpath(store_root)
    return {"dir": None if default == root else root, "kernel_store": default}
