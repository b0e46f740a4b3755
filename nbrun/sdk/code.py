"""``save_code``: a copy of the program (or notebook) that produced the run."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any


def save_code(run: Any, program: str | None) -> str | None:
    """Copy the main program file into ``<run dir>/code/``; returns the copy's path."""
    if not program or not os.path.isfile(program):
        if not (run.settings and run.settings.silent):
            print("nbrun: save_code=True but no program file was found to save (in a notebook, "
                  "set NBRUN_NOTEBOOK_NAME to the notebook's path)", file=sys.stderr)
        return None
    target_dir = os.path.join(run.dir, "code")
    os.makedirs(target_dir, exist_ok=True)
    target = os.path.join(target_dir, os.path.basename(program))
    shutil.copyfile(program, target)
    return target
