"""The run form: ``InitSpec`` (the traitlets model of ``nbrun.init()``'s arguments, shared
with the ``%%runinit`` magic) and ``RunForm`` (the ipywidgets form bound to it).

Both are loaded on first use, so that importing this package (or ``InitSpec`` alone) does not
import ipywidgets.
"""

from __future__ import annotations

from typing import Any

__all__ = ["InitSpec", "RunForm"]


def __getattr__(name: str) -> Any:
    if name == "InitSpec":
        from .spec import InitSpec

        return InitSpec
    if name == "RunForm":
        from .form import RunForm

        return RunForm
    raise AttributeError(f"module 'nbrun.widgets' has no attribute {name!r}")
