"""A button that puts a text on the browser's clipboard.

An ipywidgets ``Button`` only tells the kernel it was clicked, and the kernel cannot reach the
browser's clipboard; this view copies ``text`` itself, in the click (browsers allow clipboard
writes only in a user gesture), then tells the kernel whether the copy worked.
"""

from __future__ import annotations

import pathlib
from typing import Any, Callable

import anywidget
import traitlets


class CopyButton(anywidget.AnyWidget):
    _esm = pathlib.Path(__file__).with_name("copybutton.js")

    text = traitlets.Unicode("", help="what a click copies").tag(sync=True)
    description = traitlets.Unicode("Copy").tag(sync=True)
    tooltip = traitlets.Unicode("").tag(sync=True)
    disabled = traitlets.Bool(False).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._handlers: list[Callable[[bool | None], None]] = []
        self.on_msg(self._message)

    def on_click(self, handler: Callable[[bool | None], None]) -> None:
        """``handler(copied)`` after each click: True or False from a browser, None from
        ``click()`` in the kernel (nothing to copy to)."""
        self._handlers.append(handler)

    def click(self, copied: bool | None = None) -> None:
        for handler in self._handlers:
            handler(copied)

    def _message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "clicked":
            self.click(bool(content.get("copied")))
