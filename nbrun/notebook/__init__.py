"""The notebook layer: ``%load_ext nbrun``, ``%%runinit``, run cards and code capture."""

from __future__ import annotations

from typing import Any


def load_ipython_extension(shell: Any) -> None:
    from .extension import load

    load(shell)


def unload_ipython_extension(shell: Any) -> None:
    from .extension import unload

    unload(shell)
