"""``save_code`` in a notebook: a copy of the notebook file and a history notebook of the cells
this kernel executed (with their execution counts, in order), refreshed after every cell and at
finish, so edits that were never saved are covered too.

The history notebook is written as nbformat 4.5 JSON directly: importing ``nbformat`` pulls in
jsonschema and its URI grammar, which took 2 s of the first cell of every kernel (issue 23).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import Any

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


def history_notebook(run_id: str, inputs: list[str]) -> dict[str, Any]:
    """An nbformat 4.5 notebook of the executed cells, in order, with their execution counts."""
    cells = [{"cell_type": "code", "id": f"nbrun-{count}", "metadata": {}, "source": source,
              "execution_count": count, "outputs": []}
             for count, source in enumerate(inputs) if count and source.strip()]
    metadata = {"nbrun": {"run_id": run_id, "kind": "session history"},
                "language_info": {"name": "python"}}
    return {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def write_history(run: Any, shell: Any) -> str:
    """The session's executed cells as a notebook, replacing the previous version at once."""
    # The cells as typed (magics included), not IPython's Python translation of them in `In`.
    history = getattr(shell, "history_manager", None)
    inputs = getattr(history, "input_hist_raw", None) or shell.user_ns.get("In", [])
    nb = history_notebook(run.id, list(inputs))
    target = os.path.join(code_dir(run), HISTORY_NAME)
    tmp = target + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(nb, out, ensure_ascii=False, indent=1)
        out.write("\n")
    os.replace(tmp, target)
    return target
