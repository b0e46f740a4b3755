"""The Jupyter server extension: REST handlers over the stores under the server's root folder.

Only the two hooks live here, and they import jupyter_server lazily: ``nbrun/__init__.py``
re-exports them, and ``import nbrun`` must stay free of jupyter_server and tornado.
"""

from __future__ import annotations

from typing import Any


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "nbrun.server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from .extension import load

    load(serverapp)


# The name jupyter_server used before 2.0; kept so older servers load the extension too.
load_jupyter_server_extension = _load_jupyter_server_extension
