"""``save_code`` in a notebook: a copy of the notebook file and a history notebook of the cells
this kernel executed (with their execution counts, in order), refreshed after every cell and at
finish, so edits that were never saved are covered too."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

import nbformat

from ..sdk.notebook_file import find_notebook

HISTORY_NAME = "history.ipynb"


def code_dir(run: Any) -> str:
    path = os.path.join(run.dir, "code")
    os.makedirs(path, exist_ok=True)
    return path


def wants_capture(run: Any) -> bool:
    return bool(getattr(run, "settings", None) and run.settings.save_code and run.dir)


def copy_notebook(run: Any, notice: bool = True) -> str | None:
    """Copy this kernel's notebook file into the run; None (with a notice) if not found."""
    path = find_notebook(run.settings.notebook_name)
    if path is None or not os.path.isfile(path):
        if notice and not run.settings.silent:
            print("nbrun: save_code could not find this notebook's file, so only the cells "
                  f"executed in this kernel are saved ({HISTORY_NAME}); set NBRUN_NOTEBOOK_NAME "
                  "(or settings notebook_name) to the notebook's path to save the notebook too",
                  file=sys.stderr)
        return None
    target = os.path.join(code_dir(run), os.path.basename(path))
    shutil.copyfile(path, target)
    return target


def write_history(run: Any, shell: Any) -> str:
    """The session's executed cells as a notebook, replacing the previous version at once."""
    inputs = shell.user_ns.get("In", [])
    nb = nbformat.v4.new_notebook()
    nb.metadata["nbrun"] = {"run_id": run.id, "kind": "session history"}
    for count, source in enumerate(inputs):
        if count == 0 or not source.strip():
            continue
        cell = nbformat.v4.new_code_cell(source)
        cell.execution_count = count
        nb.cells.append(cell)
    target = os.path.join(code_dir(run), HISTORY_NAME)
    tmp = target + ".tmp"
    nbformat.write(nb, tmp)
    os.replace(tmp, target)
    return target
