"""Finding the file of the notebook this kernel runs, in the order of the design:
NBRUN_NOTEBOOK_NAME (settings ``notebook_name``), VS Code's variable, the session name the Jupyter
server gives the kernel, the server's sessions API; otherwise none."""

from __future__ import annotations

import os
from typing import Any

from .kernel import ipython_shell

_cache: dict[str, str | None] = {}


def _from_vscode() -> str | None:
    shell = ipython_shell()
    path = (getattr(shell, "user_ns", None) or {}).get("__vsc_ipynb_file__")
    return path if isinstance(path, str) and path else None


def _from_session_name() -> str | None:
    # jupyter_server sets JPY_SESSION_NAME for kernels it starts for a notebook session.
    name = os.environ.get("JPY_SESSION_NAME")
    if not name or not name.endswith(".ipynb"):
        return None
    if os.path.isabs(name):
        return name
    root = os.environ.get("JPY_ROOT_DIR")  # not always set; the cwd is the notebook's folder
    if root:
        return os.path.join(root, name)
    candidate = os.path.join(os.getcwd(), os.path.basename(name))
    return candidate if os.path.isfile(candidate) else None


def _kernel_id() -> str | None:
    try:
        from ipykernel import get_connection_file
    except ImportError:
        return None
    try:
        name = os.path.basename(get_connection_file())
    except Exception:  # not running in a kernel
        return None
    if name.startswith("kernel-") and name.endswith(".json"):
        return name[len("kernel-"):-len(".json")]
    return None


def _running_servers() -> list[dict[str, Any]]:
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:
        return []
    try:
        return list(list_running_servers())
    except Exception:
        return []


def _from_sessions_api() -> str | None:
    kernel_id = _kernel_id()
    if kernel_id is None:
        return None
    import requests  # only here: import nbrun stays light

    for server in _running_servers():
        url = server.get("url", "").rstrip("/") + "/api/sessions"
        headers = {"Authorization": f"token {server['token']}"} if server.get("token") else {}
        try:
            sessions = requests.get(url, headers=headers, timeout=2).json()
        except (requests.RequestException, ValueError):
            continue
        for session in sessions if isinstance(sessions, list) else []:
            if (session.get("kernel") or {}).get("id") == kernel_id:
                path = session.get("path") or (session.get("notebook") or {}).get("path")
                root = server.get("root_dir") or server.get("notebook_dir") or ""
                if path:
                    return os.path.join(root, path)
    return None


def find_notebook(notebook_name: str | None = None) -> str | None:
    """The absolute path of this kernel's notebook file, or None when it cannot be found."""
    if notebook_name:
        return os.path.abspath(notebook_name)
    if "found" in _cache:
        return _cache["found"]
    found = None
    for source in (_from_vscode, _from_session_name, _from_sessions_api):
        found = source()
        if found:
            found = os.path.abspath(found)
            break
    _cache["found"] = found
    return found
