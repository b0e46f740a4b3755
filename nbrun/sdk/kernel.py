"""Whether this process is an IPython shell or a Jupyter kernel, asked without importing
IPython when it is not loaded."""

from __future__ import annotations

import sys
from typing import Any


def ipython_shell() -> Any:
    """The running IPython shell, without importing IPython when it is not loaded."""
    if "IPython" not in sys.modules:
        return None
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def in_notebook_kernel() -> bool:
    """True inside a Jupyter kernel (judged from the shell, not from file paths)."""
    shell = ipython_shell()
    if shell is None:
        return False
    return (type(shell).__name__ == "ZMQInteractiveShell"
            or getattr(shell, "kernel", None) is not None)
