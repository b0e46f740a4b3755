"""What the calling process is: a notebook kernel, a script, and which program or notebook."""

from __future__ import annotations

import os
import sys

from .. import validation as rules
from ..store.location import find_git_root
from .kernel import in_notebook_kernel, ipython_shell
from .notebook_file import find_notebook


def ensure_notebook_extension() -> None:
    """Load the nbrun IPython extension (run cards, code capture) when init() is called in a
    kernel without ``%load_ext nbrun``; loading it again does nothing."""
    shell = ipython_shell()
    manager = getattr(shell, "extension_manager", None)
    if manager is not None and "nbrun" not in manager.loaded:
        manager.load_extension("nbrun")


def program_path() -> str | None:
    """The main script of this process, when there is one."""
    if in_notebook_kernel() or ipython_shell() is not None:
        return None
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path and os.path.isfile(path):
        return os.path.abspath(path)
    return None


def program_label(notebook_name: str | None) -> str | None:
    """What identifies 'the same program' for auto-resume and project inference: the
    notebook's file in a kernel, else the main script."""
    if notebook_name:
        return os.path.abspath(notebook_name)
    if in_notebook_kernel():
        return find_notebook()
    return program_path()


def _sanitize(name: str) -> str:
    for char in rules.FORBIDDEN_CHARS:
        name = name.replace(char, "-")
    return name.strip()[: rules.PROJECT_MAX] or "uncategorized"


def _stem(path: str) -> str:
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem == "__main__":  # python -m package: the package names the program
        stem = os.path.basename(os.path.dirname(path))
    return stem


def infer_project(label: str | None) -> str:
    """The git root's folder name, else the notebook's or program's stem, else uncategorized."""
    root = find_git_root()
    if root:
        return _sanitize(os.path.basename(root.rstrip(os.sep)) or "uncategorized")
    if label:
        return _sanitize(_stem(label))
    return "uncategorized"
