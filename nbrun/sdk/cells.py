"""Which notebook cell is executing: the front end's cell id, else the cell's source text.

JupyterLab and Notebook 7 send ``cellId`` in the execute request's metadata; nbclient,
papermill and some editors send none, and then the source text identifies the cell.
"""

from __future__ import annotations

import hashlib

from .environment import ipython_shell


def _parent_request() -> dict | None:
    shell = ipython_shell()
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return None
    try:
        parent = kernel.get_parent("shell")
    except TypeError:  # older ipykernel: no channel argument
        parent = kernel.get_parent()
    return parent if isinstance(parent, dict) else None


def current_cell_key() -> str | None:
    """``"id:<cell id>"`` or ``"src:<sha1 of the source>"`` of the executing cell, or None."""
    parent = _parent_request()
    if not parent or parent.get("msg_type", parent.get("header", {}).get("msg_type")) not in (
            None, "execute_request"):
        return None
    cell_id = (parent.get("metadata") or {}).get("cellId")
    if cell_id:
        return f"id:{cell_id}"
    code = (parent.get("content") or {}).get("code")
    if code is None:
        return None
    return "src:" + hashlib.sha1(code.encode("utf-8", "surrogatepass")).hexdigest()
